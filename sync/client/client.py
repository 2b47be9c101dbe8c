"""The desktop's sync with its studio server, on the desktop's loop: push the outbox in order,
pull the studio's changes into the local catalog, send previews up; when the server is away,
keep trying with a growing pause while edits queue in the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from core.imaging.previews import GRID, LOUPE, preview_path
from core.services import Services

log = logging.getLogger(__name__)

PUSH_BATCH = 100
PULL_LIMIT = 1000
# A round that moved nothing looks for new previews, and writes down the time of the last sync,
# at most this often: a quiet desktop's round is two small reads and one request.
QUIET_CHECKS = 30.0
HEAR_WAIT_S = 25  # how long one wait for the studio's next change may last on the server
FINALS_BATCH = 1000  # finals asked about at once
FINAL_CHUNK = 1024 * 1024  # a final goes up in pieces of this size, never whole in memory


class ServerAway(Exception):
    """The server could not be reached, or answered with an error: try again later."""


@dataclass(frozen=True)
class SyncState:
    """What the status bar and the sync panel show."""

    online: bool
    waiting: int
    last_sync: datetime | None
    conflicts: int
    error: str | None = None

    @property
    def words(self) -> str:
        if not self.online:
            n = self.waiting
            return f"offline: {n} change{'' if n == 1 else 's'} waiting"
        if self.waiting:
            return f"syncing: {self.waiting} waiting"
        return "synced"


class SyncClient:
    """One desktop's sync with one server; `sync_once()` is one round, `run()` keeps going."""

    def __init__(
        self,
        server_url: str,
        token: str,
        services: Services,
        *,
        interval: float = 1.0,
        max_pause: float = 30.0,
        timeout: float = 10.0,
        read_timeout: float = 120.0,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.token = token
        self.services = services
        self.interval = interval
        self.max_pause = max_pause
        # Connecting fails fast when the server is away; a long batch may take a while to answer.
        self.timeout = aiohttp.ClientTimeout(sock_connect=timeout, sock_read=read_timeout)
        self.state = SyncState(online=False, waiting=0, last_sync=None, conflicts=0)
        self._listeners: list[Callable[[SyncState], None]] = []
        self._wake = asyncio.Event()
        self._stopping = False
        self._session: aiohttp.ClientSession | None = None
        self._previews_after = ""
        self._quiet_since = -QUIET_CHECKS  # monotonic time of the last full round
        self._finals_after: datetime | None = None  # deliveries ended until then: finals sent

    def on_state(self, listener: Callable[[SyncState], None]) -> None:
        self._listeners.append(listener)

    def nudge(self) -> None:
        """Sync now rather than at the next interval (after a local change)."""
        self._wake.set()

    async def connect(self) -> None:
        """Mark the local catalog as connected: replayable calls go to the outbox from now on."""
        await self.services.replica.connect(self.server_url)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def stop(self) -> None:
        """End `run()` after the round in progress (cancelling it could cut a catalog write)."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Sync until stopped; while the server is away, wait longer each time (with jitter)."""
        pause = self.interval
        self._stopping = False
        hearing = asyncio.create_task(self._hear(), name="sync-hear")
        try:
            while not self._stopping:
                try:
                    await self.sync_once()
                    pause = self.interval
                except ServerAway as exc:
                    await self._tell(online=False, error=str(exc))
                    pause = min(self.max_pause, pause * 2) * (0.8 + 0.4 * random.random())
                if self._stopping:
                    break
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), pause)
        finally:
            await self._stop_hearing(hearing)
            await self.close()

    async def _stop_hearing(self, hearing: asyncio.Task[None]) -> None:
        """End the wait for the server's next change without cutting a catalog read short:
        closing the HTTP session ends the wait itself; only a task still waiting on the server
        after that is cancelled (that costs nothing here)."""
        self._stopping = True
        await self.close()
        done, _ = await asyncio.wait([hearing], timeout=2.0)
        if not done:
            hearing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hearing

    async def _hear(self) -> None:
        """Wait on the server for the studio's next change and sync the moment it comes (a
        client's pick, a colleague's move), not at the next round. Quiet while the server is
        away: the rounds find out when it is back."""
        heard, pause = 0, self.interval
        while not self._stopping:
            after = max(await self.services.replica.pulled_seq(), heard)
            if self._stopping:
                return
            try:
                answer = await self._call(
                    "GET",
                    "/api/v1/changes/newer",
                    params={"after": after, "timeout": HEAR_WAIT_S},
                )
            except ServerAway:
                if self._stopping:
                    return
                await asyncio.sleep(pause)
                pause = min(self.max_pause, pause * 2)
                continue
            pause = self.interval
            newest = int(answer.get("newest", 0))
            if newest > after:
                heard = newest
                self.nudge()

    async def sync_once(self) -> int:
        """Push everything waiting, then pull until up to date, then send new previews.
        Returns how many conflicts this round brought. Raises ServerAway."""
        pushed, conflicts = await self.push()
        pulled = await self.pull()
        await self.upload_finals()
        now = time.monotonic()
        if pushed or pulled or now - self._quiet_since >= QUIET_CHECKS:
            self._quiet_since = now
            await self.upload_previews()
            await self.services.replica.touch()
        await self._tell(online=True)
        return conflicts

    async def push(self) -> tuple[int, int]:
        """Send the outbox in order; returns (commands answered, conflicts among them)."""
        sent = conflicts = 0
        while True:
            batch = await self.services.replica.waiting(PUSH_BATCH)
            if not batch:
                return sent, conflicts
            body = {
                # What this desktop knew of the studio: a conflict names who acted since.
                "seen": await self.services.replica.pulled_seq(),
                "commands": [
                    {
                        "key": c.key,
                        "action": c.action,
                        "args": c.args,
                        "made_at": c.made_at.isoformat(),
                    }
                    for c in batch
                ],
            }
            answer = await self._call("POST", "/api/v1/commands", json=body)
            conflicts += await self.services.replica.answered(answer["answers"])
            sent += len(batch)
            await self._tell(online=True)

    async def pull(self) -> int:
        applied = 0
        while True:
            after = await self.services.replica.pulled_seq()
            changes = await self._call(
                "GET", "/api/v1/changes", params={"after": after, "limit": PULL_LIMIT}
            )
            if changes["next"] == after and not changes["entries"] and "studio" not in changes:
                return applied
            applied += await self.services.replica.apply(changes)
            if changes["next"] >= changes["newest"]:
                return applied

    async def upload_previews(self) -> int:
        """Grid and loupe previews made here that the server lacks (originals stay here)."""
        sent = 0
        root = self.services.paths.previews
        while True:
            hashes = await self.services.replica.preview_hashes(self._previews_after, 500)
            if not hashes:
                return sent
            wanted = [[h, str(size)] for h in hashes for size in (GRID, LOUPE)]
            wanted = [w for w in wanted if preview_path(root, w[0], w[1]).exists()]
            missing = (
                await self._call("POST", "/api/v1/previews/missing", json={"previews": wanted})
            )["missing"]
            for content_hash, size in missing:
                data = await asyncio.to_thread(_read, preview_path(root, content_hash, size))
                if data is not None:
                    await self._call(
                        "PUT", f"/api/v1/previews/{content_hash}", params={"size": size}, data=data
                    )
                    sent += 1
            self._previews_after = hashes[-1]

    async def upload_finals(self) -> int:
        """The finals of the deliveries ended here since the last look go to the server: the
        files it lacks first (streamed), then their rows, as one command per album through the
        outbox. Returns how many files went up."""
        shared, sent = self.services.shared_finals, 0
        if self._finals_after is None:
            self._finals_after = await shared.sent_until()
        while True:
            ended = await shared.delivered_since(self._finals_after)
            if not ended:
                return sent
            for at, album_id in ended:
                files, whole = await self._send_finals(album_id)
                sent += files
                self._finals_after = at
                if whole:  # else asked again at the next start (a final missing here)
                    await shared.mark_sent(at)

    async def _send_finals(self, album_id: uuid.UUID) -> tuple[int, bool]:
        """Files sent, and whether every final was there to send."""
        finals = await self.services.shared_finals.to_share(album_id)
        sent, rows_missing, whole = 0, False, True
        for start in range(0, len(finals), FINALS_BATCH):
            batch = finals[start : start + FINALS_BATCH]
            answer = await self._call(
                "POST", "/api/v1/finals/missing", json={"finals": [f.row for f in batch]}
            )
            missing = set(answer["missing"])
            rows_missing = rows_missing or answer["rows"] > 0
            for final in batch:
                if final.content_hash not in missing:
                    continue
                missing.discard(final.content_hash)  # two finals of one content go up once
                if not await asyncio.to_thread(final.path.is_file):
                    log.warning("final %s is missing from the library; not sent", final.path)
                    whole = False
                    continue
                await self._call(
                    "PUT",
                    f"/api/v1/finals/{final.content_hash}",
                    params={"suffix": final.suffix, "size": final.size},
                    data=_chunks(final.path),
                    headers={"Content-Length": str(final.size)},
                )
                sent += 1
        if rows_missing and whole:  # the server takes the rows only with all their files
            await self.services.shared_finals.announce(album_id, finals)
            self.nudge()
        return sent, whole

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=self.timeout, headers={"Authorization": f"Bearer {self.token}"}
            )
        try:
            async with self._session.request(method, self.server_url + path, **kw) as response:
                body = await response.json(content_type=None)
                if response.status >= 500 or response.status in (401, 403, 429):
                    raise ServerAway(_error(body, response.status))
                if response.status >= 400:
                    # A request the server will never take: a bug here, not a reason to stop.
                    raise ServerAway(_error(body, response.status))
                return body
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ServerAway(f"the studio server at {self.server_url} is away ({exc!r})") from exc

    async def _tell(self, *, online: bool, error: str | None = None) -> None:
        status = await self.services.replica.status()
        self.state = SyncState(
            online, status.waiting, status.last_sync, len(status.conflicts), error
        )
        for listener in self._listeners:
            try:
                listener(self.state)
            except Exception:
                log.exception("a sync state listener failed")


def _error(body: Any, status: int) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f"{body['error']} ({status})"
    return f"the server answered {status}"


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with await asyncio.to_thread(path.open, "rb") as fh:
        while chunk := await asyncio.to_thread(fh.read, FINAL_CHUNK):
            yield chunk


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
