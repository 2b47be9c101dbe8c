"""What the portal application holds: the services, the session signer, short-lived caches, the
live hub; and how a request becomes a guest of one link."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from aiohttp import web

from core.errors import NotFound, NotPermitted
from core.policies import Guest
from core.services import Services
from core.services.client import LinkAccess, PreviewSource
from portal.security import COOKIE, Session, Sessions

ACCESS_TTL_S = 1.0  # a revoked link is refused at most this long after another process revoked it
PREVIEW_TTL_S = 10.0


class GalleryGone(Exception):
    """No valid session for a working link: answer the one 404 page."""


@dataclass
class PortalState:
    services: Services
    sessions: Sessions
    _access: dict[uuid.UUID, tuple[LinkAccess, float]] = field(default_factory=dict)
    _sources: dict[tuple[uuid.UUID, uuid.UUID, str], tuple[PreviewSource, float]] = field(
        default_factory=dict
    )

    async def access(self, link_id: uuid.UUID) -> LinkAccess:
        hit = self._access.get(link_id)
        now = time.monotonic()
        if hit is not None and hit[1] > now:
            return hit[0]
        try:
            access = await self.services.client.access(link_id)
        except (NotFound, NotPermitted):
            self._access.pop(link_id, None)
            raise GalleryGone() from None
        if len(self._access) > 10_000:
            self._access.clear()
        self._access[link_id] = (access, now + ACCESS_TTL_S)
        return access

    async def preview_source(
        self, guest: Guest, photo_id: uuid.UUID, variant: str
    ) -> PreviewSource:
        key = (guest.link_id, photo_id, variant)
        hit = self._sources.get(key)
        now = time.monotonic()
        if hit is not None and hit[1] > now:
            return hit[0]
        source = await self.services.client.preview_source(guest, photo_id, variant)
        if len(self._sources) > 50_000:
            self._sources.clear()
        self._sources[key] = (source, now + PREVIEW_TTL_S)
        return source

    def forget_link(self, link_id: uuid.UUID) -> None:
        self._access.pop(link_id, None)
        for key in [k for k in self._sources if k[0] == link_id]:
            self._sources.pop(key, None)

    def forget_album_state(self) -> None:
        """A stage or a version changed somewhere: re-read links and preview sources."""
        self._access.clear()
        self._sources.clear()


STATE: web.AppKey[PortalState] = web.AppKey("portal_state", PortalState)


def state_of(request: web.Request) -> PortalState:
    return request.app[STATE]


def session_of(request: web.Request) -> Session | None:
    return state_of(request).sessions.decode(request.cookies.get(COOKIE))


async def visitor(request: web.Request) -> tuple[Session, LinkAccess]:
    """The session and its link, whatever stage of entering (PIN, name) the visitor is at."""
    session = session_of(request)
    if session is None:
        raise GalleryGone()
    return session, await state_of(request).access(session.link_id)


async def guest_of(request: web.Request) -> tuple[Session, LinkAccess, Guest]:
    """A visitor who is all the way in: PIN given (if any) and a name known."""
    session, access = await visitor(request)
    name = access.guest_name or session.name
    if (access.needs_pin and not session.pin_ok) or not name:
        raise GalleryGone()
    return session, access, access.guest(name)
