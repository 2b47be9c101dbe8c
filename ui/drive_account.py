"""Settings > Google Drive: the account this user connected, Connect (the browser sign-in, run off
the GUI thread) and Disconnect. The accounts come from a `DriveAccount` (sync.drive.connect.
DriveAccounts, wired by app/desktop.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.policies import Actor
from ui.studio import Studio


class DriveAccount(Protocol):
    async def account(self, actor: Actor) -> str | None: ...
    async def connect(self, actor: Actor, show: Callable[[str], None]) -> str: ...
    async def disconnect(self, actor: Actor) -> str | None: ...


class DriveAccountBox(QWidget):
    # The sign-in address, emitted from the sign-in's worker thread: Qt queues it to this one.
    address_ready = Signal(str)

    def __init__(self, studio: Studio, accounts: DriveAccount, parent: QWidget | None = None):
        super().__init__(parent)
        self.studio = studio
        self.accounts = accounts
        self.state = QLabel("…", self)
        self.state.setWordWrap(True)
        self.state.setOpenExternalLinks(True)
        self.connect_button = QPushButton("Connect…", self)
        self.disconnect_button = QPushButton("Disconnect", self)
        self.connect_button.clicked.connect(self.start_connect)
        self.disconnect_button.clicked.connect(self.disconnect)
        self.address_ready.connect(self._open_address)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.disconnect_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.studio.jobs.run(
            self.accounts.account(self.studio.actor), self._show_account, self._failed
        )

    def _show_account(self, email: str | None) -> None:
        self.state.setText(f"Connected as {email}." if email else "Not connected.")
        self.connect_button.setEnabled(True)
        self.connect_button.setText("Connect another account…" if email else "Connect…")
        self.disconnect_button.setEnabled(email is not None)

    def _failed(self, text: str, _: BaseException) -> None:
        self.state.setText(text)
        self.connect_button.setEnabled(True)

    def start_connect(self) -> None:
        self.connect_button.setEnabled(False)
        self.disconnect_button.setEnabled(False)
        self.state.setText("Opening Google's sign-in page in your browser…")
        self.studio.jobs.run(
            self.accounts.connect(self.studio.actor, self.address_ready.emit),
            self._show_account,
            self._failed,
            label="Connecting Google Drive",
        )

    def _open_address(self, address: str) -> None:
        QDesktopServices.openUrl(QUrl(address))
        self.state.setText(
            "Finish signing in in your browser. If no browser opened, "
            f'<a href="{address}">open Google\'s sign-in page</a>.'
        )

    def disconnect(self) -> None:
        self.disconnect_button.setEnabled(False)
        self.studio.jobs.run(
            self.accounts.disconnect(self.studio.actor),
            lambda _: self._show_account(None),
            self._failed,
        )
