"""The desktop's Drive sync for whoever is working: the background runner starts with the app
when this user has connected Drive, starts when they connect it in Settings > Google Drive,
stops when they disconnect, and follows a switch of user to that user's own Drive (sign-ins are
per user). Settings talks to it as to the accounts it wraps (ui.drive_account.DriveAccount)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from core.policies import Actor
from core.services import Services
from sync.drive.connect import DriveAccounts
from sync.drive.remote import DriveError
from sync.drive.runner import DriveSyncRunner, Tell

NOT_CONNECTED = "Drive: not connected"
CONNECT_FIRST = (
    "Drive: not connected. Connect Google Drive first: Studio > Settings > Google Drive."
)


class DesktopDrive:
    def __init__(self, services: Services, accounts: DriveAccounts, **runner_options: Any) -> None:
        self.s = services
        self.accounts = accounts
        self.runner_options = runner_options  # the runner's poll and settle times (tests)
        self.tell: Tell = lambda _words: None  # the window's status bar, once there is one
        self.runner: DriveSyncRunner | None = None
        self._switching = asyncio.Lock()

    # --- what Settings > Google Drive asks -------------------------------------------------

    async def account(self, actor: Actor) -> str | None:
        return await self.accounts.account(actor)

    async def connect(self, actor: Actor, show: Callable[[str], None]) -> str:
        email = await self.accounts.connect(actor, show)
        await self.follow(actor)
        return email

    async def disconnect(self, actor: Actor) -> str | None:
        email = await self.accounts.disconnect(actor)
        await self.follow(actor)
        return email

    # --- the background sync -----------------------------------------------------------------

    async def follow(self, actor: Actor, *, quiet: bool = False) -> bool:
        """Sync this user's Drive in the background from now (the runner of whoever worked
        before stops first, its step finished). False when this user has no Drive connected
        here; the status bar says so, unless `quiet` (the app opening: nothing to report)."""
        async with self._switching:
            await self._stop_runner()
            try:
                drive = await self.accounts.open(actor)
            except DriveError:
                if not quiet:
                    self.tell(NOT_CONNECTED)
                return False
            self.runner = DriveSyncRunner(self.s, actor, drive, self.tell, **self.runner_options)
            self.runner.start()
            self.runner.sync_now()
            return True

    async def sync_all(self) -> None:
        """Every album of the studio now (the Drive panel's button)."""
        if self.runner is None:
            self.tell(CONNECT_FIRST)
            return
        await self.runner.sync_all()

    async def stop(self) -> None:
        async with self._switching:
            await self._stop_runner()

    async def _stop_runner(self) -> None:
        runner, self.runner = self.runner, None
        if runner is not None:
            await runner.stop()
