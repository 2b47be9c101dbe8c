"""How a client gets in through a share link, and the checks every client action repeats.

The link is checked again inside every call, so a revoked or expired link stops working at once
whatever the portal has cached. Unknown, expired, revoked and suspended links all raise the same
`NotFound`, so nobody can tell them apart. Wrong PINs are counted per link and per address, in
the catalog (core.services.client_state), for every portal process alike.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, Photo, SentSelection, ShareLink, Tenant
from core.catalog.base import utcnow
from core.catalog.lookups import studio_of_link, studio_of_link_token, studios_of_links
from core.errors import NotFound, PhotoFlowError
from core.policies import Guest
from core.services.albums import as_uuid, studio_settings
from core.services.client_state import Attempt, PinLimiter
from core.services.context import Call, ServiceContext
from core.services.links import pin_matches, token_hash
from core.workflow import Stage

GONE = "This gallery is not available."
# Stages in which the client sees every photo; later ones show the selection only.
ALL_PHOTOS = (Stage.RAW, Stage.STOCK, Stage.RATE)


def seen_by_clients(stage: Stage) -> ColumnElement[bool]:
    """The photos of an album a client sees in ``stage``: until Rate, every photo the studio did
    not reject (or put in the selection anyway); from Retouch on, the selection only."""
    if stage in ALL_PHOTOS:
        return or_(Photo.flag.is_(None), Photo.flag != "reject", Photo.selected)
    return Photo.selected.is_(True)


def open_sending(link_id: uuid.UUID, guest_name: str) -> Select[tuple[SentSelection]]:
    """The guest's sent selection through this link that the studio has not reopened."""
    return select(SentSelection).where(
        SentSelection.link_id == link_id,
        SentSelection.guest_name == guest_name,
        SentSelection.reopened_at.is_(None),
    )


class TooManyAttempts(PhotoFlowError):
    """Too many wrong PINs for this link or from this address; try again after `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many wrong PINs. Try again later.")
        self.retry_after = max(1, int(retry_after))


class WrongPin(PhotoFlowError):
    """The PIN did not match."""


@dataclass(frozen=True)
class LinkAccess:
    """What the portal may know about an open link: no token, no PIN hash, no owner address."""

    link_id: uuid.UUID
    tenant_id: uuid.UUID
    album_id: uuid.UUID
    album: str
    studio: str
    stage: Stage
    round: int
    needs_pin: bool
    guest_name: str | None
    max_select: int | None
    allow_download: bool
    show_filenames: bool
    watermark: bool
    watermark_text: str
    expires_at: datetime | None = None
    download_size: str = "full"  # where downloads are allowed: "web" or "full" size finals
    needs_download_pin: bool = False

    def guest(self, name: str) -> Guest:
        return Guest(self.tenant_id, self.album_id, self.link_id, self.guest_name or name)

    @property
    def downloads(self) -> bool:
        """Originals only where the link allows it, and never while proofing."""
        return self.allow_download and self.stage is Stage.FINAL


def photo_uuid(photo_id: str | uuid.UUID) -> uuid.UUID:
    found = as_uuid(photo_id)
    if found is None:
        raise NotFound("No such photo in this gallery.")
    return found


class LinkEntry:
    """Opening a link, giving its PIN, and telling the portal which links still work."""

    ctx: ServiceContext
    limiter: PinLimiter

    async def open(self, token: str) -> LinkAccess:
        """The link a token opens; the same NotFound for every kind of bad token."""
        if not 20 <= len(token) <= 100:
            raise NotFound(GONE)
        async with self.ctx.call(None, "link.lookup", audit=False) as call:
            hashed = token_hash(token)
            await call.enter(await studio_of_link_token(call.session, hashed))
            link = await call.session.scalar(
                select(ShareLink).where(ShareLink.token_hash == hashed)
            )
            if link is None:
                raise NotFound(GONE)
            access = await link_access(call.session, link)
        async with self.ctx.call(access.guest(""), "link.open") as call:
            call.on("link", access.link_id, f"{access.album} link {str(access.link_id)[:8]}")
            call.album_id = access.album_id
        return access

    async def access(self, link_id: uuid.UUID) -> LinkAccess:
        """The link as it is now (revoked, expired or suspended: NotFound)."""
        async with self.ctx.call(None, "link.access", audit=False) as call:
            await call.enter(await studio_of_link(call.session, link_id))
            link = await call.session.get(ShareLink, link_id)
            if link is None:
                raise NotFound(GONE)
            return await link_access(call.session, link)

    async def still_open(self, link_ids: set[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these links still work; for closing live connections of dead links."""
        if not link_ids:
            return set()
        async with self.ctx.call(None, "link.check", audit=False) as call:
            now = utcnow()
            by_studio: dict[uuid.UUID, set[uuid.UUID]] = {}
            for link_id, studio in (await studios_of_links(call.session, link_ids)).items():
                by_studio.setdefault(studio, set()).add(link_id)
            alive: set[uuid.UUID] = set()
            for studio, ids in by_studio.items():
                await call.enter(studio)
                rows = await call.session.execute(
                    select(ShareLink.id)
                    .join(Tenant, Tenant.id == ShareLink.tenant_id)
                    .where(
                        ShareLink.id.in_(ids),
                        ShareLink.revoked_at.is_(None),
                        (ShareLink.expires_at.is_(None)) | (ShareLink.expires_at > now),
                        Tenant.suspended_at.is_(None),
                    )
                )
                alive.update(r[0] for r in rows)
            return alive

    async def check_pin(self, link_id: uuid.UUID, pin: str, client: str) -> LinkAccess:
        """Accept the right PIN; PIN_LIMIT wrong ones lock the link and the address for a while,
        counted in the catalog for every portal process (core.services.client_state)."""
        return await self._check(link_id, pin, client, download=False)

    async def check_download_pin(self, link_id: uuid.UUID, pin: str, client: str) -> LinkAccess:
        """Accept the link's download PIN, limited like the gallery's PIN (its own count per
        link, the same count per address: a guesser gains nothing by switching PINs)."""
        return await self._check(link_id, pin, client, download=True)

    async def _check(
        self, link_id: uuid.UUID, pin: str, client: str, *, download: bool
    ) -> LinkAccess:
        kind = "download" if download else "link"
        counted = await self.limiter.attempt((f"{kind}:{link_id}", f"addr:{client[:100]}"))
        if not isinstance(counted, Attempt):
            raise TooManyAttempts(counted)
        try:
            async with self.ctx.call(None, "link.pin_lookup", audit=False) as call:
                await call.enter(await studio_of_link(call.session, link_id))
                link = await call.session.get(ShareLink, link_id)
                if link is None:
                    raise NotFound(GONE)
                access = await link_access(call.session, link)
                stored = link.download_pin_hash if download else link.pin_hash
            # scrypt takes ~30 ms of CPU: off the loop, which also runs the desktop's window.
            right = stored is None or await asyncio.to_thread(pin_matches, stored, pin[:200])
        except Exception:
            await self.limiter.forgive(counted)
            raise
        if right:
            await self.limiter.forgive(counted)
            return access
        action = "link.download_pin_failed" if download else "link.pin_failed"
        async with self.ctx.call(access.guest(""), action) as call:
            call.on("link", access.link_id, f"{access.album} link {str(access.link_id)[:8]}")
            call.album_id = access.album_id
            call.detail["client"] = client[:100]
        if counted.wait_if_wrong:
            raise TooManyAttempts(counted.wait_if_wrong)
        raise WrongPin("That download PIN is not right." if download else "That PIN is not right.")


async def link_access(session: AsyncSession, link: ShareLink) -> LinkAccess:
    """What the portal may know about `link`, or the one NotFound when it no longer works."""
    now = utcnow()
    if link.revoked_at is not None or (link.expires_at is not None and link.expires_at <= now):
        raise NotFound(GONE)
    album = await session.get(Album, link.album_id)
    tenant = await session.get(Tenant, link.tenant_id)
    if album is None or tenant is None or tenant.suspended_at is not None:
        raise NotFound(GONE)
    if album.trashed_at is not None:  # a trashed album's links stop working at once
        raise NotFound(GONE)
    if album.tenant_id != link.tenant_id:
        raise NotFound(GONE)
    settings = await studio_settings(session, link.tenant_id)
    limit = link.max_select or settings.rules(album.min_select, album.max_select).max_select
    return LinkAccess(
        link_id=link.id,
        tenant_id=link.tenant_id,
        album_id=album.id,
        album=album.name,
        studio=tenant.name,
        stage=Stage(album.stage),
        round=album.round,
        needs_pin=link.pin_hash is not None,
        guest_name=link.guest_name,
        max_select=limit,
        allow_download=link.allow_download,
        show_filenames=link.show_filenames,
        watermark=link.watermark,
        watermark_text=settings.watermark_text or tenant.name,
        expires_at=link.expires_at,
        download_size=link.download_size or "full",
        needs_download_pin=link.download_pin_hash is not None,
    )


async def guest_link(
    call: Call, guest: Guest, *, lock: bool = False
) -> tuple[ShareLink, Album, LinkAccess]:
    """The guest's link checked again inside this call, so revocation takes effect at once.
    `lock`: take the link's row for the call (PostgreSQL), as client_feedback.lock_link does."""
    link = await call.session.get(ShareLink, guest.link_id, with_for_update=lock or None)
    if link is None or link.tenant_id != guest.tenant_id or link.album_id != guest.album_id:
        raise NotFound(GONE)
    # Held here, so that link_access finds it in the session without a second query.
    album = await call.session.get(Album, link.album_id)
    access = await link_access(call.session, link)
    assert album is not None
    call.album_id = album.id
    call.tenant_id = guest.tenant_id
    return link, album, access


async def photo_in_gallery(call: Call, album: Album, photo_id: uuid.UUID) -> Photo:
    """A photo the guest may see in this stage (another album's photo is NotFound)."""
    photo = await call.session.scalar(
        select(Photo).where(
            Photo.id == photo_id, Photo.album_id == album.id, seen_by_clients(Stage(album.stage))
        )
    )
    if photo is None:
        raise NotFound("No such photo in this gallery.")
    call.on("photo", photo.id, f"{album.name}/{photo.filename}")
    call.album_id = album.id
    return photo
