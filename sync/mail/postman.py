"""The studio's postman in a desktop or server process: it follows the journal (a client sent a
selection: tell the photographer), checks for reminders now and then, and sends what the outbox
holds. A message that fails stays queued and is tried again later; nothing is sent twice, even
with several processes at it (core.services.mail claims each message first)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable

from core.changes import Change
from core.services import Services
from core.services.mail import SmtpServer
from sync.mail import smtp
from sync.mail.password import MailPassword

log = logging.getLogger(__name__)

CHECK_EVERY_S = 300.0  # reminders and retries; a client's submit is sent at once
WANTED = {Change.SELECTION_SUBMITTED, Change.RESYNC}  # the journal's changes the postman follows


class Postman:
    """Also what the desktop's settings dialog uses (core.services.mail.MailDesk)."""

    def __init__(
        self,
        services: Services,
        tenant_id: uuid.UUID,
        password: MailPassword,
        *,
        check_every: float = CHECK_EVERY_S,
    ) -> None:
        self.services = services
        self.tenant_id = tenant_id
        self.password = password
        self.check_every = check_every
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sub = None
        self.rounds = 0  # rounds done: a test waits for the next one, not a fixed time
        self._retry = False
        # On a desktop synced with a studio server: the password goes to the server too, whose
        # postman sends the notices and reminders (app/desktop.py sets it).
        self.server_copy: Callable[[str], Awaitable[None]] | None = None

    # --- MailDesk ---

    # The keyring is asked on a worker thread: it may take seconds (D-Bus, an unlock prompt),
    # and the desktop's window must not freeze meanwhile.

    async def has_password(self) -> bool:
        return await asyncio.to_thread(self.password.load) is not None

    async def save_password(self, password: str) -> None:
        await asyncio.to_thread(self.password.save, password)
        await self.save_password_done()
        if self.server_copy is not None:
            await self.server_copy(password)

    async def save_password_done(self) -> None:
        """The password was saved (here or by a studio server's admin API)."""
        self._retry = True  # what failed with the old password goes now, not at its next try
        self.wake()

    async def check(self, server: SmtpServer, password: str | None = None) -> None:
        if password is None:
            password = await asyncio.to_thread(self.password.load)
        await smtp.check(server, password)

    # --- the process ---

    def start(self) -> None:
        self._sub = self.services.events.subscribe(self.tenant_id, size=1000)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="postman")
        self.wake()  # what an earlier run left in the outbox goes now

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._sub is not None:
            self._sub.close()

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        assert self._sub is not None
        events = asyncio.ensure_future(self._sub.get())
        missed = True  # at start: selections sent while no postman was listening
        try:
            while True:
                woken = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait(
                    {events, woken}, timeout=self.check_every, return_when="FIRST_COMPLETED"
                )
                woken.cancel()
                woke = self._wake.is_set()
                timed_out = not events.done() and not woke
                self._wake.clear()
                got = []
                if events.done():
                    got.append(events.result())
                    events = asyncio.ensure_future(self._sub.get())
                while not self._sub.queue.empty():  # every event waiting, in one round
                    got.append(self._sub.queue.get_nowait())
                wanted = [e for e in got if e.kind in WANTED]
                missed = missed or any(e.kind is Change.RESYNC for e in wanted)
                if got and not wanted and not (timed_out or woke or self._retry or missed):
                    continue  # a change the postman has nothing to do with
                try:
                    if missed:  # the events overflowed (or none came yet): read the catalog
                        missed = False
                        await self.services.mail.catch_up(self.tenant_id)
                    for event in wanted:
                        if event.kind is Change.SELECTION_SUBMITTED:
                            await self.services.mail.on_change(event)
                    if self._retry:
                        self._retry = False
                        await self.services.mail.retry_now(self.tenant_id)
                    await self.round()
                except Exception:  # the postman goes on; the outbox keeps what it could not send
                    log.exception("the postman's round failed")
        finally:
            events.cancel()

    async def round(self) -> int:
        """Queue due reminders, send what is due; returns how many were sent."""
        try:
            await self.services.mail.queue_reminders(self.tenant_id)
            return await self.send_due()
        finally:
            self.rounds += 1

    async def send_due(self) -> int:
        server = await self.services.mail.server(self.tenant_id)
        if server is None:
            return 0
        password = await asyncio.to_thread(self.password.load)  # a keyring may be slow to ask
        done = 0
        while True:
            batch = await self.services.mail.claim(self.tenant_id)
            if not batch:
                return done
            results = await smtp.send(server, password, batch)
            for message, error in results.items():
                if error is None:
                    await self.services.mail.sent(message)
                    done += 1
                else:
                    log.warning("mail to %s not sent: %s", message.to, error)
                    refused = isinstance(error, smtp.Refused)
                    await self.services.mail.failed(message, error, refused=refused)
            if any(e is not None and not isinstance(e, smtp.Refused) for e in results.values()):
                return done  # no connection: the rest waits for the next round
