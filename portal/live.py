"""Live updates for open galleries over a WebSocket.

One subscription to the core's EventHub feeds every open gallery of the album an event concerns.
A gallery gets a small notice ({"type", "photo_id", "stage"}) and re-reads what it needs through the
API, so nothing a client may not see travels on the socket. Clients' own actions go the other way
through the API and the core services, which publish them to the desktop app's subscription.

A revoked link's sockets close at once when the revoke happens in this process (link.revoked), and
within CHECK_EVERY_S when another process (the command line) revoked it or it expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict

from aiohttp import WSCloseCode, web

from core.events import Event
from portal.security import origin_matches
from portal.state import GalleryGone, PortalState, guest_of, state_of

log = logging.getLogger(__name__)

CHECK_EVERY_S = 2.0
QUEUE = 256
HEARTBEAT_S = 25.0
# Events a gallery hears about, and what of them it may see.
FORWARD = {
    "album.stage",
    "photo.version",
    "photo.marks",
    "feedback.pick",
    "feedback.stars",
    "feedback.comment",
    "feedback.decision",
    "selection.submitted",
    "selection.unlocked",
}


class Connection:
    def __init__(self, ws: web.WebSocketResponse, link_id: uuid.UUID, album_id: uuid.UUID) -> None:
        self.ws = ws
        self.link_id = link_id
        self.album_id = album_id
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE)

    def send(self, text: str | None) -> None:
        if self.queue.full():  # a stalled client: tell it to resync instead of piling up
            with contextlib.suppress(asyncio.QueueEmpty):
                while True:
                    self.queue.get_nowait()
            text = json.dumps({"type": "resync"}) if text is not None else None
        self.queue.put_nowait(text)


class LiveHub:
    def __init__(self, state: PortalState) -> None:
        self.state = state
        self.by_album: dict[uuid.UUID, set[Connection]] = defaultdict(set)
        self._tasks: list[asyncio.Task[None]] = []
        self._sub = None

    @property
    def connections(self) -> list[Connection]:
        return [c for conns in self.by_album.values() for c in conns]

    async def start(self) -> None:
        self._sub = self.state.services.ctx.events.subscribe(size=10_000)
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
        conns = self.by_album.get(conn.album_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                self.by_album.pop(conn.album_id, None)

    async def close_where(self, pred, code: int, reason: str) -> None:  # type: ignore[no-untyped-def]
        doomed = [c for c in self.connections if pred(c)]
        for conn in doomed:
            conn.send(json.dumps({"type": "closed", "reason": reason}))
            conn.send(None)
        await asyncio.gather(
            *(c.ws.close(code=code, message=reason.encode()) for c in doomed),
            return_exceptions=True,
        )

    def deliver(self, event: Event) -> None:
        if event.kind == "link.revoked":
            link_id = uuid.UUID(str(event.data.get("link_id")))
            self.state.forget_link(link_id)
            asyncio.get_running_loop().create_task(
                self.close_where(
                    lambda c: c.link_id == link_id, WSCloseCode.POLICY_VIOLATION, "revoked"
                )
            )
            return
        if event.kind in ("album.stage", "photo.version") or event.data.get("gallery_changed"):
            # What a client may see changed: a new stage or version, or a photo (un)rejected or
            # (un)selected. Stars and labels, a key press each while culling, leave it alone.
            self.state.forget_album_state()
        if event.kind not in FORWARD or event.album_id is None:
            return
        conns = self.by_album.get(event.album_id)
        if not conns:
            return
        notice: dict[str, object] = {"type": event.kind}
        if event.photo_id is not None:
            notice["photo_id"] = str(event.photo_id)
        if event.kind == "album.stage":
            notice["stage"] = event.data.get("stage")
        text = json.dumps(notice)
        for conn in conns:
            conn.send(text)

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
            await asyncio.sleep(CHECK_EVERY_S)
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
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=1024)
    await ws.prepare(request)
    hub = request.app[HUB]
    conn = Connection(ws, access.link_id, access.album_id)
    hub.add(conn)
    writer = asyncio.create_task(_write(conn))
    try:
        await ws.send_str(json.dumps({"type": "hello", "stage": access.stage.value}))
        async for _msg in ws:  # clients only listen; anything they send is ignored
            pass
    finally:
        hub.remove(conn)
        conn.send(None)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(writer, 1.0)
    return ws


async def _write(conn: Connection) -> None:
    while True:
        text = await conn.queue.get()
        if text is None or conn.ws.closed:
            return
        try:
            await conn.ws.send_str(text)
        except (ConnectionError, RuntimeError):
            return


def hub_of(request: web.Request) -> LiveHub:
    return request.app[HUB]


__all__ = ["HUB", "LiveHub", "live", "state_of"]
