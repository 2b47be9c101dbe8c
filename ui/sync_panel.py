"""What the desktop's sync with the studio server is doing: connected or not, changes waiting,
the last sync, and every conflict in the sentence the server gave (never a silent loss).

The sync runs in the app (sync/client); it calls `show_state(words)` after each round, and the
panel reads the outbox through the services (`services.replica.status()`)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.services.replica import SyncStatus
from ui.studio import Studio


class SyncPanel(QDialog):
    refreshed = Signal()

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.setWindowTitle("Sync with the studio server")
        self.state = QLabel("not connected", self)
        self.server = QLabel(self)
        self.waiting = QLabel(self)
        self.last_sync = QLabel(self)
        self.conflicts = QListWidget(self)
        self.conflicts.setWordWrap(True)
        self.dismiss_button = QPushButton("I have read these", self)
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QVBoxLayout(self)
        for label in (self.state, self.server, self.waiting, self.last_sync):
            layout.addWidget(label)
        layout.addWidget(QLabel("Changes the server did not apply:", self))
        layout.addWidget(self.conflicts, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.dismiss_button)
        layout.addLayout(row)
        self.resize(560, 360)
        self.refresh()

    def show_state(self, words: str) -> None:
        """The sync's own words ("offline: 12 changes waiting", "synced"), then the details."""
        self.state.setText(words)
        self.refresh()

    def refresh(self) -> None:
        self.studio.jobs.run(self.studio.services.replica.status(), self._show)

    def dismiss(self) -> None:
        self.studio.jobs.run(
            self.studio.services.replica.dismiss_conflicts(), lambda _n: self.refresh()
        )

    def _show(self, status: SyncStatus) -> None:
        self.server.setText(f"Studio server: {status.server_url or 'none'}")
        self.waiting.setText(f"Changes waiting: {status.waiting}")
        last = (
            status.last_sync.astimezone().strftime("%Y-%m-%d %H:%M")
            if status.last_sync
            else "never"
        )
        self.last_sync.setText(f"Last sync: {last}")
        self.conflicts.clear()
        for conflict in status.conflicts:
            self.conflicts.addItem(f"{conflict.at.astimezone():%H:%M}  {conflict.message}")
        self.dismiss_button.setEnabled(bool(status.conflicts))
        self.refreshed.emit()
