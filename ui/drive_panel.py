"""Google Drive sync as people see it: each album's Drive state (in sync, uploading 12 of 240,
conflict, paused and why) and the conflict copies kept when a file changed on both sides.

The sync runs in the app (sync/drive/runner.py) and tells the status bar; this panel reads the
states and conflicts through the services (`services.drive`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from core.services.drive_state import AlbumDriveStatus, Conflict
from ui.studio import Studio


class DrivePanel(QDialog):
    refreshed = Signal()

    def __init__(
        self,
        studio: Studio,
        parent: QWidget | None = None,
        sync_all: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.studio = studio
        self.sync_all = sync_all
        self.setWindowTitle("Google Drive")
        self.state = QLabel("Drive: not connected", self)
        self.albums = QListWidget(self)
        self.conflicts = QListWidget(self)
        self.conflicts.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(QLabel("Albums:", self))
        layout.addWidget(self.albums, 1)
        layout.addWidget(
            QLabel("Conflict copies (changed here and in Drive; both were kept):", self)
        )
        layout.addWidget(self.conflicts, 1)
        # The background sync keeps synced albums in sync; this starts the others' first sync.
        self.sync_button = QPushButton("Sync every album with Drive now", self)
        self.sync_button.setEnabled(sync_all is not None)
        self.sync_button.clicked.connect(self._sync_all)
        layout.addWidget(self.sync_button)
        self.resize(560, 420)
        self.refresh()

    def show_state(self, words: str) -> None:
        self.state.setText(words)
        self.refresh()

    def _sync_all(self) -> None:
        if self.sync_all is not None:
            self.studio.jobs.run(self.sync_all(), lambda _none: self.refresh())

    def refresh(self) -> None:
        drive = self.studio.services.drive
        self.studio.jobs.run(drive.status(self.studio.actor), self._albums)
        self.studio.jobs.run(drive.conflicts(self.studio.actor), self._conflicts)

    def _albums(self, states: list[AlbumDriveStatus]) -> None:
        self.albums.clear()
        for s in states:
            self.albums.addItem(f"{s.album}: {s.words}")

    def _conflicts(self, conflicts: list[Conflict]) -> None:
        self.conflicts.clear()
        for c in conflicts:
            self.conflicts.addItem(f"{c.album}: {c.name} ({c.reason})")
        self.refreshed.emit()
