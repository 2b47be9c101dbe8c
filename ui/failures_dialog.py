"""The files an import could not bring in, each with its reason, and "dealt with".

Reachable from the stage bar's refusal at any time, not only while the import dialog is open.
"""

from __future__ import annotations

from pathlib import PurePath

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.policies import Permission
from core.services.albums import AlbumSummary, OpenFailure
from ui.studio import Studio


def failure_line(f: OpenFailure) -> str:
    return f"{PurePath(f.path).name}: {f.reason}"


class FailuresList(QListWidget):
    """Open failures as lines 'name: reason', the full path in each tooltip."""

    def show_failures(self, failures: list[OpenFailure]) -> None:
        self.clear()
        for f in failures:
            item = QListWidgetItem(failure_line(f))
            item.setToolTip(f.path)
            self.addItem(item)
        self.setVisible(bool(failures))

    @property
    def lines(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]


class FailuresDialog(QDialog):
    resolved = Signal(int)  # how many failures were marked as dealt with

    def __init__(self, studio: Studio, album: AlbumSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.album = album
        self.setWindowTitle(f"Import failures in {album.name}")
        self.resize(560, 320)
        self.intro = QLabel("Looking for files that failed to import…", self)
        self.intro.setWordWrap(True)
        self.failures = FailuresList(self)
        self.resolve = QPushButton("Mark these failures as dealt with", self)
        self.resolve.setEnabled(False)
        self.resolve.setVisible(studio.may(Permission.MANAGE_ALBUMS))
        close = QPushButton("Close", self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.resolve)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.failures, 1)
        layout.addLayout(buttons)
        self.resolve.clicked.connect(self._resolve)
        close.clicked.connect(self.close)
        self.refresh()

    def refresh(self) -> None:
        self.studio.jobs.run(
            self.studio.services.albums.open_failures(self.studio.actor, self.album.id),
            self._show,
            lambda text, _: self.intro.setText(text),
        )

    def _show(self, failures: list[OpenFailure]) -> None:
        self.failures.show_failures(failures)
        self.resolve.setEnabled(bool(failures))
        if failures:
            n = len(failures)
            self.intro.setText(
                f"{'1 file' if n == 1 else f'{n} files'} could not be imported. Bring them in "
                "again (Import), or, once you have checked them, mark them as dealt with so the "
                "album can leave Raw."
            )
        else:
            self.intro.setText("No import failure is left in this album.")

    def _resolve(self) -> None:
        self.resolve.setEnabled(False)
        self.studio.jobs.run(
            self.studio.services.albums.resolve_failures(
                self.studio.actor, self.album.id, "checked in the failures dialog"
            ),
            self._resolved,
            lambda text, _: (self.intro.setText(text), self.resolve.setEnabled(True)),
        )

    def _resolved(self, n: int) -> None:
        self.failures.show_failures([])
        self.intro.setText(f"{n} failure{'s' if n != 1 else ''} marked as dealt with.")
        self.resolved.emit(n)
