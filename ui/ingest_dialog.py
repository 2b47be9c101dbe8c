"""Bring a folder or card into the album: progress while it runs, then every file that failed.

The grid fills while the import runs: each imported photo is a live event the grid listens to.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.ingest.scan import measure, size_words
from core.policies import Permission
from core.services.albums import AlbumSummary, OpenFailure
from core.services.imports import ImportProgress, ImportReport
from ui.failures_dialog import FailuresList
from ui.studio import Studio

KIND_TITLES = {
    "original": "Originals (a shoot)",
    "stock": "Stock versions",
    "retouched": "Retouched versions",
}  # finals are made from the export presets when the album moves to Final, not imported


def describe_progress(p: ImportProgress) -> str:
    if p.phase != "copying":
        return f"{p.phase_title}: {p.done} of {p.total} files"
    rate = f"{p.rate_files_s:.1f} files/s, {p.rate_bytes_s / 1e6:.1f} MB/s"
    eta = p.eta_s
    left = "" if eta is None else (" · done" if eta == 0 else f" · about {_duration(eta)} left")
    return f"{p.done} of {p.total} files · {rate}{left}"


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s} s" if s < 90 else f"{s // 60} min {s % 60:02d} s"


class IngestDialog(QDialog):
    imported = Signal(object)  # ImportReport
    resolved = Signal(int)  # failures marked as dealt with

    def __init__(self, studio: Studio, album: AlbumSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.album = album
        self.report: ImportReport | None = None
        self.setWindowTitle(f"Import into {album.name}")
        self.resize(560, 420)
        self.folder = QLineEdit(self)
        self.folder.setPlaceholderText("A folder or a memory card")
        choose = QPushButton("Choose…", self)
        self.kind = QComboBox(self)
        for kind, title in KIND_TITLES.items():
            allowed = (
                studio.may(Permission.ADD_RETOUCHES)
                if kind == "retouched"
                else studio.may(Permission.MANAGE_ALBUMS)
            )
            if allowed:
                self.kind.addItem(title, kind)
        self.found = QLabel(self)  # how many files, how big: known before the import starts
        self._measure = QTimer(self, singleShot=True, interval=300)
        self._measure.timeout.connect(self._measure_folder)
        self.folder.textChanged.connect(lambda _t: self._measure.start())
        self.start_button = QPushButton("Import", self)
        self.progress = QProgressBar(self)
        self.status = QLabel("Choose a folder, then Import.", self)
        self.failures = FailuresList(self)
        self.failures.hide()
        self.resolve = QPushButton("Mark these failures as dealt with", self)
        self.resolve.hide()
        self.close_button = QPushButton("Close", self)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        form = QFormLayout()
        form.addRow("From", row)
        form.addRow("Found", self.found)
        form.addRow("Import as", self.kind)
        buttons = QHBoxLayout()
        buttons.addWidget(self.resolve)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.failures, 1)
        layout.addLayout(buttons)
        choose.clicked.connect(self._choose)
        self.start_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.close)
        self.resolve.clicked.connect(self._resolve)
        self._load_failures()

    def _measure_folder(self) -> None:
        text = self.folder.text().strip()
        path = Path(text).expanduser() if text else None
        if path is None or not path.exists():
            self.found.setText("" if path is None else "No such folder.")
            return
        self.found.setText("Counting…")
        self.studio.jobs.run(
            asyncio.to_thread(measure, [path]),
            lambda counted: self._show_found(text, *counted),
            lambda message, _: self.found.setText(message),
        )

    def _show_found(self, text: str, count: int, size: int) -> None:
        if text != self.folder.text().strip():
            return  # the photographer typed on; a newer count is coming
        if count == 0:
            self.found.setText("No photos here.")
        else:
            files = "1 file" if count == 1 else f"{count} files"
            self.found.setText(f"{files}, {size_words(size)}")

    def _load_failures(self) -> None:
        """Failures of this and earlier imports stay listed until someone deals with them."""
        self.studio.jobs.run(
            self.studio.services.albums.open_failures(self.studio.actor, self.album.id),
            self._show_failures,
            lambda text, _: self.status.setText(text),
        )

    def _show_failures(self, failures: list[OpenFailure]) -> None:
        self.failures.show_failures(failures)
        self.resolve.setVisible(bool(failures) and self.studio.may(Permission.MANAGE_ALBUMS))
        if failures and self.report is None:
            n = len(failures)
            self.status.setText(
                f"{'1 file' if n == 1 else f'{n} files'} from earlier imports still need a look."
            )

    def _choose(self) -> None:
        picker = QFileDialog(self, "Import from")
        picker.setFileMode(QFileDialog.FileMode.Directory)
        picker.fileSelected.connect(self.folder.setText)
        picker.open()

    def start(self) -> None:
        text = self.folder.text().strip()
        if not text:
            self.status.setText("Choose a folder first.")
            return
        path = Path(text).expanduser()
        if not path.exists():
            self.status.setText(f"{path} does not exist.")
            return
        self.start_button.setEnabled(False)
        self.failures.clear()
        self.failures.hide()
        self.resolve.hide()
        self.status.setText("Looking for photos…")
        self.progress.setRange(0, 0)
        self.studio.jobs.run(
            self.studio.services.imports.run(
                self.studio.actor, self.album.id, [path], self.kind.currentData(), self._progress
            ),
            self._done,
            self._failed,
            label=f"Importing into {self.album.name}",
        )

    def _progress(self, p: ImportProgress) -> None:
        self.progress.setRange(0, max(p.total, 1))
        self.progress.setValue(p.done)
        self.status.setText(describe_progress(p))

    def _done(self, report: ImportReport) -> None:
        self.report = report
        self.start_button.setEnabled(True)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        parts = [f"{len(report.imported)} imported"]
        if report.duplicates:
            parts.append(f"{len(report.duplicates)} already in the album")
        if report.failed:
            parts.append(f"{len(report.failed)} failed")
        self.status.setText(", ".join(parts) + ".")
        self._load_failures()
        self.imported.emit(report)

    def _failed(self, text: str, _exc: BaseException) -> None:
        self.start_button.setEnabled(True)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText(text)

    def _resolve(self) -> None:
        self.studio.jobs.run(
            self.studio.services.albums.resolve_failures(
                self.studio.actor, self.album.id, "checked in the import dialog"
            ),
            lambda n: (
                self.status.setText(f"{n} failures marked as dealt with."),
                self.failures.show_failures([]),
                self.resolve.hide(),
                self.resolved.emit(n),
            ),
            lambda text, _: self.status.setText(text),
        )
