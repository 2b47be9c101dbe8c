"""Live updates for open galleries over a WebSocket.

One subscription to the core's EventHub feeds every open gallery of the album an event concerns.
A gallery gets a small notice ({"type", "photo_id", "stage"}) and re-reads what it needs through the
API, so nothing a client may not see travels on the socket. A notice is encoded once, as one
WebSocket frame, and written to every gallery's socket in one go: no task per socket, no copy per
socket (with 500 galleries open, a task and a send per socket cost more than the pick itself). Clients' own actions go the other way
through the API and the core services, which publish them to the desktop app's subscription.

The hub follows the change journal, so a link revoked by any process (the desktop, the command
line, another server) closes its sockets as soon as the change is committed, and a link's sockets
close at the moment it expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict
from datetime import UTC, datetime

from aiohttp import WSCloseCode, web

from core.changes import GALLERY_CHANGES, Change
from core.events import Event
from portal.security import origin_matches
from portal.state import GalleryGone, PortalState, guest_of, state_of

log = logging.getLogger(__name__)

CHECK_EVERY_S = 5.0  # a last check of open links; revocations and expiries act at once
HEARTBEAT_S = 25.0
# Qt's timers, under the desktop's qasync loop, take at most 2**31 ms (under 25 days): a link
# that expires later is looked at again after a day.
LONGEST_TIMER_S = 86_400.0
# Bytes waiting for a client before it counts as stalled: it is sent nothing more until it has
# caught up, and then one resync (it re-reads the gallery) instead of everything it missed.
STALLED_BYTES = 64 * 1024
# Changes a gallery hears about (it re-reads what it may see through the API).
FORWARD = frozenset(
    {
        Change.ALBUM_STAGE,
        Change.PHOTO_VERSION,
        Change.PHOTO_REMOVED,
        Change.PHOTO_MARKS,
        Change.FEEDBACK_PICK,
        Change.FEEDBACK_STARS,
        Change.FEEDBACK_COMMENT,
        Change.FEEDBACK_DECISION,
        Change.SELECTION_SUBMITTED,
        Change.SELECTION_UNLOCKED,
        Change.ALBUM_DELIVERY,  # its end only: the finals are in (see deliver)
    }
)
# Changes after which no remembered answer about links or pictures can be trusted.
FORGET_ALL = frozenset(
    {Change.STUDIO_SETTINGS, Change.STUDIO_STANDING, Change.ALBUM_CHANGED, Change.RESYNC}
)


def text_frame(text: str) -> bytes:
    """One unmasked, unfragmented WebSocket text frame (RFC 6455 5.2), as a server sends it."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 1 << 16:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


RESYNC = text_frame(json.dumps({"type": "resync"}))


class Connection:
    """An open gallery's socket. Notices are written to its transport as whole frames, between
    the frames aiohttp writes itself (the hello, pings, the close), which it also writes whole
    and without awaiting in between."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport,
        link_id: uuid.UUID,
        album_id: uuid.UUID,
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.link_id = link_id
        self.album_id = album_id
        self.expiry: asyncio.TimerHandle | None = None
        self.behind = False  # stalled: skipped notices, owed one resync

    def send(self, frame: bytes) -> None:
        transport = self.transport
        if transport.is_closing() or self.ws.closed:
            return
        if transport.get_write_buffer_size() > STALLED_BYTES:
            self.behind = True
            return
        if self.behind:
            self.behind = False
            frame = RESYNC
        transport.write(frame)

    def catch_up(self) -> None:
        """A stalled client that has read what was waiting hears that it missed something."""
        transport = self.transport
        if (
            self.behind
            and not transport.is_closing()
            and transport.get_write_buffer_size() <= STALLED_BYTES // 4
        ):
            self.behind = False
            transport.write(RESYNC)


class LiveHub:
    def __init__(self, state: PortalState) -> None:
        self.state = state
        self.by_album: dict[uuid.UUID, set[Connection]] = defaultdict(set)
        self._tasks: list[asyncio.Task[None]] = []
        self._sub = None
        self._check_now = asyncio.Event()

    @property
    def connections(self) -> list[Connection]:
        return [c for conns in self.by_album.values() for c in conns]

    async def start(self) -> None:
        self._sub = self.state.services.events.subscribe(size=10_000)
        self._tasks = [
            asyncio.create_task(self._dispatch(), name="portal-live-dispatch"),
            asyncio.create_task(self._check_links(), name="portal-live-check"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._sub is not None:
            self._sub.close()
        await self.close_where(lambda c: True, WSCloseCode.GOING_AWAY, "server stopping")

    def add(self, conn: Connection) -> None:
        self.by_album[conn.album_id].add(conn)

    def remove(self, conn: Connection) -> None:
        if conn.expiry is not None:
            conn.expiry.cancel()
        conns = self.by_album.get(conn.album_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                self.by_album.pop(conn.album_id, None)

    async def close_where(self, pred, code: int, reason: str) -> None:  # type: ignore[no-untyped-def]
        doomed = [c for c in self.connections if pred(c)]
        closed = text_frame(json.dumps({"type": "closed", "reason": reason}))
        for conn in doomed:
            self.remove(conn)
            conn.behind = False  # whatever it missed, this is the last word
            conn.send(closed)
        await asyncio.gather(
            *(c.ws.close(code=code, message=reason.encode()) for c in doomed),
            return_exceptions=True,
        )

    def deliver(self, event: Event) -> None:
        """One committed change, from this process or another, in journal order."""
        if event.kind in (Change.LINK_REVOKED, Change.LINK_CHANGED):
            link_id = uuid.UUID(str(event.data.get("link_id")))
            self.state.forget_link(link_id)
            if event.kind is Change.LINK_REVOKED:
                self._close_soon(lambda c: c.link_id == link_id, "revoked")
            return
        if event.kind in (Change.ALBUM_TRASHED, Change.ALBUM_DELETED):
            self.state.forget_album_state()
            gone = event.album_id
            self._close_soon(lambda c: c.album_id == gone, "revoked")
            return
        if event.kind in FORGET_ALL:
            self.state.forget_album_state()
            self._check_now.set()  # a studio suspended, a setting changed: are links still open?
            if event.kind is Change.RESYNC:
                for conns in self.by_album.values():
                    for conn in conns:
                        conn.send(RESYNC)
            return
        if event.kind in GALLERY_CHANGES or event.data.get("gallery_changed"):
            # What a client may see changed: a new stage or version, or a photo (un)rejected or
            # (un)selected. Stars and labels, a key press each while culling, leave it alone.
            self.state.forget_album_state()
        if event.kind not in FORWARD or event.album_id is None:
            return
        if event.kind is Change.ALBUM_DELIVERY and not event.data.get("gallery_changed"):
            return  # a final made: galleries hear once, when all are
        conns = self.by_album.get(event.album_id)
        if not conns:
            return
        notice: dict[str, object] = {"type": event.kind.value}
        if event.photo_id is not None:
            notice["photo_id"] = str(event.photo_id)
        if event.kind is Change.ALBUM_STAGE:
            notice["stage"] = event.data.get("stage")
        frame = text_frame(json.dumps(notice))
        for conn in conns:
            conn.send(frame)

    def _close_soon(self, pred, reason: str) -> None:  # type: ignore[no-untyped-def]
        asyncio.get_running_loop().create_task(
            self.close_where(pred, WSCloseCode.POLICY_VIOLATION, reason)
        )

    def close_at_expiry(self, conn: Connection, expires_at: datetime | None) -> None:
        """A link that expires closes its galleries' sockets at that moment."""
        if expires_at is None:
            return
        delay = max(0.0, (expires_at - datetime.now(UTC)).total_seconds())
        loop = asyncio.get_running_loop()
        if delay > LONGEST_TIMER_S:  # look again then: the desktop's Qt loop cannot wait longer
            conn.expiry = loop.call_later(LONGEST_TIMER_S, self.close_at_expiry, conn, expires_at)
            return
        conn.expiry = loop.call_later(
            delay, lambda: self._close_soon(lambda c: c is conn, "expired")
        )

    async def _dispatch(self) -> None:
        assert self._sub is not None
        while True:
            event = await self._sub.get()
            try:
                self.deliver(event)
            except Exception:  # one odd event must not stop the live updates
                log.exception("could not deliver live event %s", event.kind)

    async def _check_links(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._check_now.wait(), CHECK_EVERY_S)
            self._check_now.clear()
            for conn in self.connections:
                conn.catch_up()
            links = {c.link_id for c in self.connections}
            if not links:
                continue
            try:
                alive = await self.state.services.client.still_open(links)
            except Exception:
                log.exception("could not check the open links")
                continue
            dead = links - alive
            for link_id in dead:
                self.state.forget_link(link_id)
            if dead:
                await self.close_where(
                    lambda c, dead=dead: c.link_id in dead, WSCloseCode.POLICY_VIOLATION, "revoked"
                )


HUB: web.AppKey[LiveHub] = web.AppKey("live_hub", LiveHub)


async def live(request: web.Request) -> web.StreamResponse:
    """GET /api/live: the WebSocket; same Origin only, and only for a guest who is all the way in."""
    if not origin_matches(request):
        raise web.HTTPForbidden(text="Wrong origin.")
    try:
        _, access, _guest = await guest_of(request)
    except GalleryGone:
        raise web.HTTPNotFound(text="This gallery is not available.") from None
    # Notices are a few dozen bytes: compressing them per socket would cost more than it saves.
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=1024, compress=False)
    await ws.prepare(request)
    transport = request.transport
    if transport is None:  # the client went away during the handshake
        return ws
    hub = request.app[HUB]
    conn = Connection(ws, transport, access.link_id, access.album_id)
    # Hello first, then notices: both written at once, so no notice can come before it or be lost
    # between the two.
    conn.send(text_frame(json.dumps({"type": "hello", "stage": access.stage.value})))
    hub.add(conn)
    hub.close_at_expiry(conn, access.expires_at)
    try:
        async for _msg in ws:  # clients only listen; anything they send is ignored
            pass
    finally:
        hub.remove(conn)
    return ws


def hub_of(request: web.Request) -> LiveHub:
    return request.app[HUB]


__all__ = ["HUB", "LiveHub", "live", "state_of"]
