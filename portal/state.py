"""What the portal application holds: the services, the session signer, short-lived caches, the
live hub; and how a request becomes a guest of one link."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from aiohttp import web

from core.errors import NotFound, NotPermitted
from core.policies import Guest
from core.services import Services
from core.services.client import LinkAccess, PreviewSource
from portal.security import SESSION_MAX_AGE_S, Session, Sessions

if TYPE_CHECKING:
    from portal.previews import Picture

ACCESS_TTL_S = 1.0  # a revoked link is refused at most this long after another process revoked it
PREVIEW_TTL_S = 10.0


class GalleryGone(Exception):
    """No valid session for a working link: answer the one 404 page."""


K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """Answers remembered for `ttl_s`. Concurrent misses of one key share a single lookup, so an
    entry expiring under load costs one catalog query instead of one per waiting request (which
    queued behind each other and cut preview throughput by two thirds)."""

    def __init__(self, ttl_s: float, max_size: int) -> None:
        self.ttl_s = ttl_s
        self.max_size = max_size
        self._hits: dict[K, tuple[V, float]] = {}
        self._pending: dict[K, asyncio.Task[V]] = {}
        self._generation = 0

    def peek(self, key: K) -> V | None:
        """The remembered answer if it is still fresh; no waiting, no lookup."""
        hit = self._hits.get(key)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        return None

    async def get(self, key: K, lookup: Callable[[], Awaitable[V]]) -> V:
        hit = self._hits.get(key)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(key, lookup, self._generation))
            pending.add_done_callback(_retrieved)
            self._pending[key] = pending
        return await asyncio.shield(pending)

    async def _fetch(self, key: K, lookup: Callable[[], Awaitable[V]], generation: int) -> V:
        try:
            value = await lookup()
        except BaseException:
            self._hits.pop(key, None)
            raise
        finally:
            if self._pending.get(key) is asyncio.current_task():
                del self._pending[key]
        if generation == self._generation:  # nothing was forgotten while we looked
            if len(self._hits) >= self.max_size:
                self._hits.clear()
            self._hits[key] = (value, time.monotonic() + self.ttl_s)
        return value

    def fresh_until(self, key: K, value: V) -> float | None:
        """When the remembered answer for `key` expires, if that answer is `value` itself."""
        hit = self._hits.get(key)
        return hit[1] if hit is not None and hit[0] is value else None

    def forget(self, which: Callable[[K], bool] = lambda key: True) -> None:
        self._generation += 1
        for key in [k for k in self._hits if which(k)]:
            del self._hits[key]
        for key in [k for k in self._pending if which(k)]:
            del self._pending[key]


class Answers(Generic[K, V]):
    """Whole answers to requests asked again and again, each with its own expiry: the earliest
    of those of the remembered checks it was built from (see PortalState.remember_picture)."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._hits: dict[K, tuple[V, float]] = {}
        self._sweep_at = 0.0

    def get(self, key: K) -> V | None:
        hit = self._hits.get(key)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        return None

    def put(self, key: K, value: V, until: float) -> None:
        now = time.monotonic()
        if until <= now:
            return
        # Expired answers go at least every ACCESS_TTL_S, so what they hold on to (picture bytes
        # the store may have let go) is only ever what was served in the last moments.
        if now >= self._sweep_at or len(self._hits) >= self.max_size:
            self._hits = {k: hit for k, hit in self._hits.items() if hit[1] > now}
            if len(self._hits) >= self.max_size:
                self._hits.clear()
            self._sweep_at = now + ACCESS_TTL_S
        self._hits[key] = (value, until)

    def forget(self) -> None:
        self._hits.clear()


def _retrieved(task: asyncio.Task[object]) -> None:
    if not task.cancelled():
        task.exception()  # every waiter may have gone; the error is theirs, not the loop's


@dataclass
class PortalState:
    services: Services
    sessions: Sessions
    _access: Recent[uuid.UUID, LinkAccess] = field(
        default_factory=lambda: Recent(ACCESS_TTL_S, 10_000)
    )
    # Keyed by the photo id as the URL spells it: a hit needs no UUID parsing. Every spelling was
    # looked up (and the photo found in the link's album) before it was remembered.
    _sources: Recent[tuple[uuid.UUID, str, str], PreviewSource] = field(
        default_factory=lambda: Recent(PREVIEW_TTL_S, 50_000)
    )
    # A picture request's answer by (Cookie header, request target): a gallery asks for the same
    # pictures with the same cookie, so a repeat costs one lookup. Kept no longer than the session,
    # the link's answer and the photo's source it was built from, and forgotten with them.
    _pictures: Answers[tuple[str | None, str], Picture] = field(
        default_factory=lambda: Answers(20_000)
    )

    async def access(self, link_id: uuid.UUID) -> LinkAccess:
        hit = self._access.peek(link_id)
        if hit is not None:
            return hit
        try:
            return await self._access.get(link_id, lambda: self.services.client.access(link_id))
        except (NotFound, NotPermitted):
            raise GalleryGone() from None

    def recent_access(self, link_id: uuid.UUID) -> LinkAccess | None:
        """The link's answer if it was looked up less than ACCESS_TTL_S ago."""
        return self._access.peek(link_id)

    def recent_source(
        self, link_id: uuid.UUID, photo_id: str, variant: str
    ) -> PreviewSource | None:
        return self._sources.peek((link_id, photo_id, variant))

    async def preview_source(
        self, guest: Guest, photo_id: str | uuid.UUID, variant: str
    ) -> PreviewSource:
        """The photo's preview source, if the photo is in the guest's album (else NotFound)."""
        key = (guest.link_id, str(photo_id), variant)
        hit = self._sources.peek(key)
        if hit is not None:
            return hit
        return await self._sources.get(
            key, lambda: self.services.client.preview_source(guest, photo_id, variant)
        )

    def recent_picture(self, asked: tuple[str | None, str]) -> Picture | None:
        """The picture answered to this very Cookie header and request target, if every check
        behind that answer is still remembered (see remember_picture)."""
        return self._pictures.get(asked)

    def remember_picture(
        self,
        asked: tuple[str | None, str],
        picture: Picture,
        session: Session,
        access: LinkAccess,
        source_key: tuple[uuid.UUID, str, str],
        source: PreviewSource,
    ) -> None:
        """Remember a picture answered after every check, until the first of those checks would
        be made again: the link's answer (ACCESS_TTL_S), the photo found in the album
        (PREVIEW_TTL_S), the session's age. Only if the link's answer and the photo's source are
        still the very ones remembered now: a link or album forgotten while this request awaited
        is not brought back by it."""
        access_until = self._access.fresh_until(access.link_id, access)
        source_until = self._sources.fresh_until(source_key, source)
        if access_until is None or source_until is None:
            return
        session_until = time.monotonic() + (session.issued + SESSION_MAX_AGE_S - time.time())
        self._pictures.put(asked, picture, min(access_until, source_until, session_until))

    def forget_link(self, link_id: uuid.UUID) -> None:
        self._access.forget(lambda key: key == link_id)
        self._sources.forget(lambda key: key[0] == link_id)
        self._pictures.forget()  # not indexed by link; a repeat is rebuilt from memory anyway

    def forget_album_state(self) -> None:
        """A stage or a version changed somewhere: re-read links and preview sources."""
        self._access.forget()
        self._sources.forget()
        self._pictures.forget()


STATE: web.AppKey[PortalState] = web.AppKey("portal_state", PortalState)


def state_of(request: web.Request) -> PortalState:
    return request.app[STATE]


def session_of(request: web.Request) -> Session | None:
    return state_of(request).sessions.from_request(request)


def guest_name(session: Session, access: LinkAccess) -> str:
    """The name of a visitor who is all the way in (PIN given if any, a name known)."""
    name = access.guest_name or session.name
    if (access.needs_pin and not session.pin_ok) or not name:
        raise GalleryGone()
    return name


async def visitor(request: web.Request) -> tuple[Session, LinkAccess]:
    """The session and its link, whatever stage of entering (PIN, name) the visitor is at."""
    session = session_of(request)
    if session is None:
        raise GalleryGone()
    return session, await state_of(request).access(session.link_id)


async def guest_of(request: web.Request) -> tuple[Session, LinkAccess, Guest]:
    """A visitor who is all the way in: PIN given (if any) and a name known."""
    session, access = await visitor(request)
    return session, access, access.guest(guest_name(session, access))
