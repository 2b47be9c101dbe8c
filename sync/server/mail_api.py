"""A studio admin sets the studio's SMTP password on the studio server, which keeps it in its
keyring, one per studio (sync.mail.password), for its postman (sync.mail.postmen):

    PUT /api/v1/studio/mail-password   {"password": "..."} -> {"saved": true}

The password is tried on the studio's SMTP server first: a wrong one is a plain 400 and the one
kept before stays. Only an admin of the studio (the device token's user) may set it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from core.errors import Conflict, Invalid
from core.services import Services
from sync.mail import smtp
from sync.mail.password import MailPassword
from sync.server.staff_api import API, Authenticate, answered, body_of

PasswordSet = Callable[[uuid.UUID], Awaitable[None]]


def add_mail_routes(
    app: web.Application,
    services: Services,
    authenticate: Authenticate,
    home_root: Path,
    password_set: PasswordSet | None = None,
) -> None:
    async def set_password(request: web.Request) -> web.Response:
        actor = await authenticate(request)
        password = (await body_of(request, "password"))["password"]
        if len(password) > 1000:
            raise Invalid("That is not an SMTP password (over 1000 characters).")
        server = await services.mail.smtp_for(actor)
        if server is None:
            raise Conflict(
                "The studio has no SMTP server yet: set it in the studio settings first."
            )
        await smtp.check(server, password)  # a wrong password: Invalid, in plain words
        keyring = MailPassword(home_root, studio=actor.tenant_id)
        await asyncio.to_thread(keyring.save, password)
        if password_set is not None:
            await password_set(actor.tenant_id)
        return web.json_response({"saved": True})

    app.router.add_put(f"{API}/studio/mail-password", answered(set_password))
