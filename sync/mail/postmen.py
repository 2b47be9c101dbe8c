"""A studio server's postmen: one Postman per studio that sends e-mail (an SMTP server in its
settings), each with that studio's password from the server's keyring. They tell the
photographer when a client sends a selection through the server's portal, and remind clients;
the desktops synced with the server leave both to it (core.services.mail). Several server
processes may each run theirs: the outbox's keys and claims send every message once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from pathlib import Path

from core.services import Services
from sync.mail.password import MailPassword
from sync.mail.postman import CHECK_EVERY_S, Postman

log = logging.getLogger(__name__)

LOOK_EVERY_S = 60.0  # how soon a studio that has just set its SMTP server gets its postman


class Postmen:
    def __init__(
        self,
        services: Services,
        home_root: Path,
        *,
        look_every: float = LOOK_EVERY_S,
        check_every: float = CHECK_EVERY_S,
    ) -> None:
        self.services = services
        self.root = home_root
        self.look_every = look_every
        self.check_every = check_every
        self.running: dict[uuid.UUID, Postman] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def password(self, studio: uuid.UUID) -> MailPassword:
        return MailPassword(self.root, studio=studio)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="postmen")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for postman in self.running.values():
            await postman.stop()
        self.running.clear()

    async def look(self) -> None:
        """A postman for each studio that sends e-mail and has none yet."""
        async with self._lock:
            for studio in await self.services.mail.studios_with_mail():
                if studio not in self.running:
                    postman = Postman(
                        self.services, studio, self.password(studio), check_every=self.check_every
                    )
                    postman.start()
                    self.running[studio] = postman
                    log.info("postman started for studio %s", studio)

    async def password_set(self, studio: uuid.UUID) -> None:
        """A studio's admin set its SMTP password: what waited goes now."""
        await self.look()
        postman = self.running.get(studio)
        if postman is not None:
            await postman.save_password_done()

    async def _run(self) -> None:
        while True:
            try:
                await self.look()
            except Exception:  # the database away a moment: look again later
                log.exception("the postmen could not look for studios with e-mail")
            await asyncio.sleep(self.look_every)
