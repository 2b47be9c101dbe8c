"""What the portal application holds: the services, the session signer, one short-lived cache of
link answers; and how a request becomes a guest of one link."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from core.errors import NotFound, NotPermitted
from core.policies import Guest
from core.proxies import TrustedProxies
from core.services import Services
from core.services.client import LinkAccess, PreviewSource
from portal.picture_urls import mark_for, watermark_of
from portal.security import Session, Sessions

MAX_LINKS = 10_000

ACCESS_TTL_S = 3.0  # a link revoked by another process without a live event: refused this late


class GalleryGone(Exception):
    """No valid session for a working link: answer the one 404 page."""


@dataclass
class LinkAnswer:
    """What the catalog said of one link: its access, and (once a picture was asked for) the
    content hashes of every picture its guests may be shown, each with where it comes from."""

    access: LinkAccess
    until: float  # time.monotonic(): ACCESS_TTL_S, and never past the link's expiry
    pictures: dict[str, PreviewSource] | None = None
    looking: asyncio.Task[dict[str, PreviewSource]] | None = None
    watermark: str | None = field(init=False)
    mark: str = field(init=False)  # the last part of its picture addresses

    def __post_init__(self) -> None:
        self.watermark = watermark_of(self.access)
        self.mark = mark_for(self.watermark)


@dataclass
class PortalState:
    """The services, the session signer, and the one cache of answers: per link id, what the
    catalog said of it. Forgotten on the live events (portal.live), else after ACCESS_TTL_S.
    Requests that miss together share one lookup: a gallery opening right after a change asks
    the catalog once, not once per picture on the page."""

    services: Services
    sessions: Sessions
    proxies: TrustedProxies = field(default_factory=TrustedProxies)
    _links: dict[uuid.UUID, LinkAnswer] = field(default_factory=dict)
    _pending: dict[uuid.UUID, asyncio.Task[LinkAnswer]] = field(default_factory=dict)
    # Bumped by every forget: an answer looked up across a forget is used once, not kept.
    _generation: int = 0

    def _fresh(self, link_id: uuid.UUID) -> LinkAnswer | None:
        answer = self._links.get(link_id)
        if answer is not None and answer.until > time.monotonic():
            return answer
        return None

    async def _answer(self, link_id: uuid.UUID) -> LinkAnswer:
        answer = self._fresh(link_id)
        if answer is not None:
            return answer
        pending = self._pending.get(link_id)
        if pending is None:
            pending = asyncio.ensure_future(self._look_up(link_id, self._generation))
            pending.add_done_callback(_retrieved)
            self._pending[link_id] = pending
        return await asyncio.shield(pending)

    async def _look_up(self, link_id: uuid.UUID, generation: int) -> LinkAnswer:
        try:
            access = await self.services.client.access(link_id)
        except (NotFound, NotPermitted):
            raise GalleryGone() from None
        finally:
            if self._pending.get(link_id) is asyncio.current_task():
                del self._pending[link_id]
        now = time.monotonic()
        until = now + ACCESS_TTL_S
        if access.expires_at is not None:
            expires = access.expires_at
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=UTC)
            until = min(until, now + (expires - datetime.now(UTC)).total_seconds())
        answer = LinkAnswer(access, until)
        if generation == self._generation:
            if len(self._links) >= MAX_LINKS:
                self._links.clear()
            self._links[link_id] = answer
        return answer

    async def access(self, link_id: uuid.UUID) -> LinkAccess:
        """The link as the catalog said it is, at most ACCESS_TTL_S ago (GalleryGone if not open)."""
        answer = self._fresh(link_id) or await self._answer(link_id)
        return answer.access

    def recent(self, link_id: uuid.UUID) -> LinkAnswer | None:
        """The link's answer with its pictures, if both are remembered: no await, no catalog."""
        answer = self._fresh(link_id)
        return answer if answer is not None and answer.pictures is not None else None

    async def with_pictures(self, link_id: uuid.UUID) -> LinkAnswer:
        """The link's answer with the pictures its guests may be shown now, by content hash."""
        answer = self._fresh(link_id) or await self._answer(link_id)
        if answer.pictures is not None:
            return answer
        if answer.looking is None:
            answer.looking = asyncio.ensure_future(
                self.services.client.pictures(answer.access.guest(""))
            )
            answer.looking.add_done_callback(_retrieved)
        looking = answer.looking
        try:
            found = await asyncio.shield(looking)
        except (NotFound, NotPermitted):
            raise GalleryGone() from None
        except Exception:
            if answer.looking is looking:
                answer.looking = None  # a passing fault is not remembered
            raise
        answer.pictures = found
        return answer

    def forget_link(self, link_id: uuid.UUID) -> None:
        self._generation += 1
        self._links.pop(link_id, None)
        self._pending.pop(link_id, None)

    def forget_album_state(self) -> None:
        """A stage or a version changed somewhere: look every link up again."""
        self._generation += 1
        self._links.clear()
        self._pending.clear()


def _retrieved(task: asyncio.Task[object]) -> None:
    if not task.cancelled():
        task.exception()  # every waiter may have gone; the error is theirs, not the loop's


STATE: web.AppKey[PortalState] = web.AppKey("portal_state", PortalState)


def state_of(request: web.Request) -> PortalState:
    return request.app[STATE]


def session_of(request: web.Request) -> Session | None:
    return state_of(request).sessions.from_request(request)


def client_address(request: web.Request) -> str:
    """Who is asking: the peer, or behind a trusted proxy the address it says it serves."""
    return state_of(request).proxies.client_of(
        request.remote, request.headers.getall("X-Forwarded-For", [])
    )


def photo_id(request: web.Request) -> uuid.UUID:
    """The photo a request names by its opaque id (a malformed one is simply not found)."""
    try:
        return uuid.UUID(request.match_info["photo_id"])
    except ValueError:
        raise NotFound("No such photo in this gallery.") from None


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
