"""What every window of the desktop app shares: the services, who is working, and the job runner.

Passed to widgets through their constructors; there is no global instance.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from core.events import Event, Subscription
from core.policies import Actor, Permission, may
from core.services import Services
from ui.async_bridge import Jobs

if TYPE_CHECKING:
    from core.services.mail import MailDesk
    from ui.devices_panel import DeviceAdmin
    from ui.drive_account import DriveAccount


class Studio(QObject):
    actor_changed = Signal()

    def __init__(
        self,
        services: Services,
        actor: Actor,
        parent: QObject | None = None,
        *,
        device_admin: DeviceAdmin | None = None,
        mail: MailDesk | None = None,
        drive_accounts: DriveAccount | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.actor = actor
        self.jobs = Jobs(self)
        # The studio server this desktop signed in to, for its devices list (None: this home).
        self.device_admin = device_admin
        # The studio's postman (SMTP password, test connection, send now); None: no e-mail here.
        self.mail = mail
        # Each user's Google Drive sign-in on this computer (None: Drive is not offered).
        self.drive_accounts = drive_accounts

    def may(self, permission: Permission) -> bool:
        return may(self.actor, permission)

    def switch_to(self, actor: Actor) -> None:
        self.actor = actor
        self.actor_changed.emit()

    def hear_changes(
        self, heard: Callable[[Event], None], album_id: uuid.UUID | None = None
    ) -> asyncio.Future[None]:
        """Hand each change of the current user's studio (of one album, when given) to `heard`,
        whichever process made it, until the returned future is cancelled. Not a job: it lives
        as long as the part of the window that shows the changes."""
        return asyncio.ensure_future(
            _hand_over(self.services.events.subscribe(self.actor.tenant_id, album_id), heard)
        )


async def _hand_over(sub: Subscription, heard: Callable[[Event], None]) -> None:
    try:
        async for event in sub:
            heard(event)
    finally:
        sub.close()
