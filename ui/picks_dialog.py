"""The client's picks of an album, to take into Lightroom: a filename list and a filter string
for the Library's Text filter (Filename, Contains), each with a Copy button."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.services.albums import AlbumSummary
from core.services.links import PickList
from ui.studio import Studio


class PicksDialog(QDialog):
    def __init__(self, studio: Studio, album: AlbumSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.album = album
        self.picks: PickList | None = None
        self.setWindowTitle(f"Client picks of {album.name}")
        self.resize(560, 460)
        self.summary = QLabel("Reading the picks…", self)
        self.summary.setWordWrap(True)
        self.filenames = QPlainTextEdit(self)
        self.filenames.setReadOnly(True)
        self.lightroom = QPlainTextEdit(self)
        self.lightroom.setReadOnly(True)
        self.lightroom.setMaximumHeight(90)
        self.copy_filenames = QPushButton("Copy filenames", self)
        self.copy_filenames.clicked.connect(lambda: self._copy(self.filenames, "The filenames"))
        self.copy_lightroom = QPushButton("Copy Lightroom filter", self)
        self.copy_lightroom.clicked.connect(lambda: self._copy(self.lightroom, "The filter"))
        refresh = QPushButton("Refresh", self)
        refresh.clicked.connect(self.refresh)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        self.status = QLabel(self)
        buttons = QHBoxLayout()
        for b in (self.copy_filenames, self.copy_lightroom, refresh):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("Filenames, one a line", self))
        layout.addWidget(self.filenames, 1)
        layout.addWidget(QLabel("Lightroom: Library filter, Text, Filename, Contains", self))
        layout.addWidget(self.lightroom)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.studio.jobs.run(
            self.studio.services.links.picks(self.studio.actor, self.album.id),
            self._show,
            lambda text, _: self.summary.setText(text),
        )

    def _show(self, picks: PickList) -> None:
        self.picks = picks
        n = len(picks.filenames)
        self.summary.setText(
            f"Clients picked {n} photo{'s' if n != 1 else ''} of {picks.album} (any guest, any link)."
            if n
            else f"No client has picked a photo of {picks.album} yet."
        )
        self.filenames.setPlainText(picks.text)
        self.lightroom.setPlainText(picks.lightroom)
        self.copy_filenames.setEnabled(bool(n))
        self.copy_lightroom.setEnabled(bool(n))

    def _copy(self, box: QPlainTextEdit, what: str) -> None:
        QGuiApplication.clipboard().setText(box.toPlainText())
        self.status.setText(
            f"{what} are on the clipboard."
            if what.endswith("s")
            else f"{what} is on the clipboard."
        )
