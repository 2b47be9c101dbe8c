"""What a client does through a share link: open it, give the PIN, look, pick, rate, comment,
submit the selection, and approve or ask for changes on retouched photos.

Every action is a service call as the `Guest` (audited as that guest on that link, live event
emitted after commit). The link is checked again inside every call, so a revoked or expired link
stops working at once whatever the portal has cached. Unknown, expired, revoked and suspended links
all raise the same `NotFound`, so nobody can tell them apart.
"""

from __future__ import annotations

import time
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, Feedback, Photo, PhotoVersion, ShareLink, Tenant
from core.catalog.base import utcnow
from core.errors import Invalid, NotFound, PhotoFlowError
from core.policies import Guest
from core.services.albums import studio_settings
from core.services.context import Call, ServiceContext
from core.services.links import pin_matches, token_hash
from core.services.photos import record_decision
from core.workflow import Stage

GONE = "This gallery is not available."
COMMENT_MAX = 2000
NAME_MAX = 80
PIN_LIMIT = 5
PIN_LOCKOUT_S = 15 * 60
# Stages in which the client sees every photo; later ones show the selection only.
ALL_PHOTOS = (Stage.RAW, Stage.STOCK, Stage.RATE)


class TooManyAttempts(PhotoFlowError):
    """Too many wrong PINs for this link or from this address; try again after `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many wrong PINs. Try again later.")
        self.retry_after = max(1, int(retry_after))


class WrongPin(PhotoFlowError):
    """The PIN did not match."""


class AttemptLimiter:
    """Counts failures per key in a sliding window; `limit` failures lock the key for the window."""

    def __init__(
        self,
        limit: int = PIN_LIMIT,
        window_s: float = PIN_LOCKOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._failures: dict[object, list[float]] = {}

    def _recent(self, key: object) -> list[float]:
        now = self.clock()
        times = [t for t in self._failures.get(key, ()) if now - t < self.window_s]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def retry_after(self, key: object) -> int:
        """Seconds until `key` may try again; 0 when it may now."""
        times = self._recent(key)
        if len(times) < self.limit:
            return 0
        return int(times[-self.limit] + self.window_s - self.clock()) + 1

    def fail(self, key: object) -> None:
        self._recent(key)
        self._failures.setdefault(key, []).append(self.clock())
        if len(self._failures) > 100_000:  # bound memory under a flood of addresses
            for stale in list(self._failures)[:50_000]:
                self._failures.pop(stale, None)


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

    def guest(self, name: str) -> Guest:
        return Guest(self.tenant_id, self.album_id, self.link_id, self.guest_name or name)

    @property
    def downloads(self) -> bool:
        """Originals only where the link allows it, and never while proofing."""
        return self.allow_download and self.stage is Stage.FINAL


@dataclass(frozen=True)
class CommentView:
    id: uuid.UUID
    by: str
    text: str
    at: datetime
    mine: bool


@dataclass(frozen=True)
class GalleryPhoto:
    id: uuid.UUID
    filename: str | None
    width: int | None
    height: int | None
    picked: bool
    stars: int
    selected: bool
    has_retouch: bool
    decision: str | None
    comments: tuple[CommentView, ...] = ()


@dataclass(frozen=True)
class Gallery:
    album: str
    studio: str
    stage: Stage
    round: int
    guest: str
    max_select: int | None
    picks: int
    submitted: bool
    can_pick: bool
    can_decide: bool
    downloads: bool
    photos: tuple[GalleryPhoto, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class PreviewSource:
    """Where the pixels of one photo's preview come from (the portal never sees a request path)."""

    content_hash: str
    library_path: Path
    filename: str


def clean_name(name: str) -> str:
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = " ".join(name.split())
    if not name:
        raise Invalid("Please give your name.")
    if len(name) > NAME_MAX:
        raise Invalid(f"A name has at most {NAME_MAX} characters.")
    return name


def _clean_text(text: str) -> str:
    if len(text) > COMMENT_MAX:
        raise Invalid(f"A comment has at most {COMMENT_MAX} characters.")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C").strip()
    if not text:
        raise Invalid("The comment is empty.")
    if len(text) > COMMENT_MAX:
        raise Invalid(f"A comment has at most {COMMENT_MAX} characters.")
    return text


def _photo_uuid(photo_id: str | uuid.UUID) -> uuid.UUID:
    try:
        return photo_id if isinstance(photo_id, uuid.UUID) else uuid.UUID(str(photo_id))
    except ValueError:
        raise NotFound("No such photo in this gallery.") from None


class ClientService:
    def __init__(self, ctx: ServiceContext, limiter: AttemptLimiter | None = None) -> None:
        self.ctx = ctx
        self.limiter = limiter or AttemptLimiter()

    # --- the link itself -------------------------------------------------------------------

    async def open(self, token: str) -> LinkAccess:
        """The link a token opens; the same NotFound for every kind of bad token."""
        if not 20 <= len(token) <= 100:
            raise NotFound(GONE)
        async with self.ctx.call(None, "link.lookup", audit=False) as call:
            link = await call.session.scalar(
                select(ShareLink).where(ShareLink.token_hash == token_hash(token))
            )
            if link is None:
                raise NotFound(GONE)
            access = await _access(call.session, link)
        async with self.ctx.call(access.guest(""), "link.open") as call:
            call.on("link", access.link_id, f"{access.album} link {str(access.link_id)[:8]}")
            call.album_id = access.album_id
        return access

    async def access(self, link_id: uuid.UUID) -> LinkAccess:
        """The link as it is now (revoked, expired or suspended: NotFound)."""
        async with self.ctx.call(None, "link.access", audit=False) as call:
            link = await call.session.get(ShareLink, link_id)
            if link is None:
                raise NotFound(GONE)
            return await _access(call.session, link)

    async def still_open(self, link_ids: set[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these links still work; for closing live connections of dead links."""
        if not link_ids:
            return set()
        async with self.ctx.call(None, "link.check", audit=False) as call:
            now = utcnow()
            rows = await call.session.execute(
                select(ShareLink.id)
                .join(Tenant, Tenant.id == ShareLink.tenant_id)
                .where(
                    ShareLink.id.in_(link_ids),
                    ShareLink.revoked_at.is_(None),
                    (ShareLink.expires_at.is_(None)) | (ShareLink.expires_at > now),
                    Tenant.suspended_at.is_(None),
                )
            )
            return {r[0] for r in rows}

    async def check_pin(self, link_id: uuid.UUID, pin: str, client: str) -> LinkAccess:
        """Accept the right PIN; PIN_LIMIT wrong ones lock the link and the address for a while."""
        keys = (("link", link_id), ("addr", client))
        wait = max(self.limiter.retry_after(k) for k in keys)
        if wait:
            raise TooManyAttempts(wait)
        async with self.ctx.call(None, "link.pin_lookup", audit=False) as call:
            link = await call.session.get(ShareLink, link_id)
            if link is None:
                raise NotFound(GONE)
            access = await _access(call.session, link)
            stored = link.pin_hash
        if stored is None or pin_matches(stored, pin[:200]):
            return access
        for key in keys:
            self.limiter.fail(key)
        async with self.ctx.call(access.guest(""), "link.pin_failed") as call:
            call.on("link", access.link_id, f"{access.album} link {str(access.link_id)[:8]}")
            call.album_id = access.album_id
            call.detail["client"] = client[:100]
        wait = max(self.limiter.retry_after(k) for k in keys)
        if wait:
            raise TooManyAttempts(wait)
        raise WrongPin("That PIN is not right.")

    # --- looking -------------------------------------------------------------------------

    async def gallery(self, guest: Guest) -> Gallery:
        async with self.ctx.call(guest, "gallery.view", audit=False) as call:
            link, album, access = await _guest_link(call, guest)
            stage = Stage(album.stage)
            query = select(Photo).where(Photo.album_id == album.id)
            if stage not in ALL_PHOTOS:
                query = query.where(Photo.selected)
            photos = (
                await call.session.scalars(
                    query.order_by(Photo.taken_at.is_(None), Photo.taken_at, Photo.filename)
                )
            ).all()
            mine = (
                Feedback.album_id == album.id,
                Feedback.link_id == link.id,
                Feedback.guest_name == guest.name,
                Feedback.retracted_at.is_(None),
            )
            picked = set(
                await call.session.scalars(
                    select(Feedback.photo_id).where(*mine, Feedback.kind == "pick")
                )
            )
            stars = dict(
                (
                    await call.session.execute(
                        select(Feedback.photo_id, Feedback.stars).where(
                            *mine, Feedback.kind == "stars"
                        )
                    )
                ).all()
            )
            decisions = dict(
                (
                    await call.session.execute(
                        select(Feedback.photo_id, Feedback.kind).where(
                            *mine,
                            Feedback.kind.in_(("approval", "change_request")),
                            Feedback.round == album.round,
                        )
                    )
                ).all()
            )
            comments: dict[uuid.UUID, list[CommentView]] = {}
            for fb in await call.session.scalars(
                select(Feedback)
                .where(
                    Feedback.album_id == album.id,
                    Feedback.link_id == link.id,
                    Feedback.kind == "comment",
                    Feedback.retracted_at.is_(None),
                )
                .order_by(Feedback.created_at)
            ):
                comments.setdefault(fb.photo_id, []).append(
                    CommentView(
                        fb.id,
                        fb.guest_name,
                        fb.text or "",
                        fb.created_at,
                        fb.guest_name == guest.name,
                    )
                )
            retouched = set(
                await call.session.scalars(
                    select(PhotoVersion.photo_id).where(
                        PhotoVersion.album_id == album.id, PhotoVersion.kind == "retouched"
                    )
                )
            )
            return Gallery(
                album=album.name,
                studio=access.studio,
                stage=stage,
                round=album.round,
                guest=guest.name,
                max_select=access.max_select,
                picks=len(picked),
                submitted=link.submitted_at is not None,
                can_pick=stage is Stage.RATE,
                can_decide=stage is Stage.FEEDBACK,
                downloads=access.downloads,
                photos=tuple(
                    GalleryPhoto(
                        id=p.id,
                        filename=p.filename if access.show_filenames else None,
                        width=p.width,
                        height=p.height,
                        picked=p.id in picked,
                        stars=stars.get(p.id) or 0,
                        selected=p.selected,
                        has_retouch=p.id in retouched,
                        decision=decisions.get(p.id),
                        comments=tuple(comments.get(p.id, ())),
                    )
                    for p in photos
                ),
            )

    async def preview_source(
        self, guest: Guest, photo_id: str | uuid.UUID, variant: str = "current"
    ) -> PreviewSource:
        """The file a preview is made from: `original` (before), `retouched` (after, the newest
        round), `current` (the newest of the two), `download` (final, else newest, else
        original; only where the link allows downloads)."""
        pid = _photo_uuid(photo_id)
        async with self.ctx.call(guest, "gallery.preview", audit=False) as call:
            _link, album, access = await _guest_link(call, guest)
            photo = await call.session.scalar(
                select(Photo).where(Photo.id == pid, Photo.album_id == album.id)
            )
            if photo is None or (Stage(album.stage) not in ALL_PHOTOS and not photo.selected):
                raise NotFound("No such photo in this gallery.")
            if variant == "download" and not access.downloads:
                raise NotFound("No such photo in this gallery.")
            versions = {
                (v.kind, v.round): v
                for v in await call.session.scalars(
                    select(PhotoVersion).where(PhotoVersion.photo_id == photo.id)
                )
            }
            retouched = max(
                (v for (k, _r), v in versions.items() if k == "retouched"),
                key=lambda v: v.round,
                default=None,
            )
            original = versions.get(("original", 0))
            order = {
                "original": (original,),
                "retouched": (retouched,),
                "current": (retouched, versions.get(("stock", 0)), original),
                "download": (versions.get(("final", 0)), retouched, original),
            }.get(variant)
            if order is None:
                raise NotFound("No such photo in this gallery.")
            chosen = next((v for v in order if v is not None), None)
            if chosen is None:
                raise NotFound("No such photo in this gallery.")
            content_hash = chosen.content_hash
            if chosen is original and photo.preview_hash:
                content_hash = photo.preview_hash
            return PreviewSource(
                content_hash,
                self.ctx.home.library / chosen.library_path,
                chosen.filename,
            )

    # --- acting --------------------------------------------------------------------------

    async def pick(self, guest: Guest, photo_id: str | uuid.UUID, picked: bool = True) -> int:
        """Pick or unpick a photo; returns the guest's pick count. The limit is the link's,
        else the album's, else the studio's."""
        pid = _photo_uuid(photo_id)
        async with self.ctx.call(guest, "client.pick" if picked else "client.unpick") as call:
            link, album, access = await _guest_link(call, guest)
            photo = await _photo(call, album, pid)
            if Stage(album.stage) is not Stage.RATE:
                raise Invalid("Picking is open while the photographer waits for your selection.")
            mine = (
                Feedback.link_id == link.id,
                Feedback.guest_name == guest.name,
                Feedback.kind == "pick",
                Feedback.retracted_at.is_(None),
            )
            current = await call.session.scalar(
                select(Feedback).where(*mine, Feedback.photo_id == photo.id)
            )
            count = await call.session.scalar(select(func.count()).where(*mine)) or 0
            if picked and current is None:
                if access.max_select is not None and count >= access.max_select:
                    raise Invalid(
                        f"You can pick at most {access.max_select} photos; unpick one first."
                    )
                call.session.add(_feedback(album, photo, guest, "pick"))
                count += 1
            elif not picked and current is not None:
                current.retracted_at = utcnow()
                count -= 1
            call.detail.update(picks=count, limit=access.max_select)
            call.emit(
                "feedback.pick", photo_id=photo.id, picked=picked, guest=guest.name, picks=count
            )
            return count

    async def rate(self, guest: Guest, photo_id: str | uuid.UUID, stars: int) -> int:
        if not isinstance(stars, int) or not 0 <= stars <= 5:
            raise Invalid("Stars go from 0 to 5.")
        pid = _photo_uuid(photo_id)
        async with self.ctx.call(guest, "client.rate") as call:
            link, album, _ = await _guest_link(call, guest)
            photo = await _photo(call, album, pid)
            await call.session.execute(
                update(Feedback)
                .where(
                    Feedback.photo_id == photo.id,
                    Feedback.link_id == link.id,
                    Feedback.guest_name == guest.name,
                    Feedback.kind == "stars",
                    Feedback.retracted_at.is_(None),
                )
                .values(retracted_at=utcnow())
            )
            if stars:
                call.session.add(_feedback(album, photo, guest, "stars", stars=stars))
            call.detail["stars"] = stars
            call.emit("feedback.stars", photo_id=photo.id, stars=stars, guest=guest.name)
            return stars

    async def comment(self, guest: Guest, photo_id: str | uuid.UUID, text: str) -> CommentView:
        text = _clean_text(text)
        pid = _photo_uuid(photo_id)
        async with self.ctx.call(guest, "client.comment") as call:
            _link, album, _ = await _guest_link(call, guest)
            photo = await _photo(call, album, pid)
            fb = _feedback(album, photo, guest, "comment", text=text)
            call.session.add(fb)
            await call.session.flush()
            call.detail["length"] = len(text)
            call.emit(
                "feedback.comment",
                photo_id=photo.id,
                comment_id=str(fb.id),
                text=text,
                guest=guest.name,
            )
            return CommentView(fb.id, guest.name, text, fb.created_at, True)

    async def submit(self, guest: Guest) -> int:
        """The guest's picks become the album's selection (Rate only); returns how many."""
        async with self.ctx.call(guest, "client.submit") as call:
            link, album, _ = await _guest_link(call, guest)
            call.on("album", album.id, album.name)
            if Stage(album.stage) is not Stage.RATE:
                raise Invalid("The selection can be sent while the album is in Rate.")
            picks = set(
                await call.session.scalars(
                    select(Feedback.photo_id).where(
                        Feedback.link_id == link.id,
                        Feedback.guest_name == guest.name,
                        Feedback.kind == "pick",
                        Feedback.retracted_at.is_(None),
                    )
                )
            )
            if not picks:
                raise Invalid("Pick at least one photo before sending your selection.")
            label = guest.label[:320]
            now = utcnow()
            await call.session.execute(
                update(Photo)
                .where(
                    Photo.album_id == album.id,
                    Photo.selected_by == label,
                    Photo.id.not_in(picks),
                )
                .values(selected=False, selected_by=None, selected_at=None)
            )
            await call.session.execute(
                update(Photo)
                .where(Photo.album_id == album.id, Photo.id.in_(picks), Photo.selected.is_(False))
                .values(selected=True, selected_by=label, selected_at=now)
            )
            total = await call.session.scalar(
                select(func.count()).where(Photo.album_id == album.id, Photo.selected)
            )
            settings = await studio_settings(call.session, album.tenant_id)
            limit = settings.rules(album.min_select, album.max_select).max_select
            if limit is not None and (total or 0) > limit:
                raise Invalid(
                    f"Together with the photos already selected that makes {total}; this album "
                    f"takes at most {limit}. Unpick some first."
                )
            link.submitted_at = now
            call.detail.update(picks=len(picks), selected=total)
            call.emit("selection.submitted", count=len(picks), guest=guest.name, selected=total)
            return len(picks)

    async def decide(
        self, guest: Guest, photo_id: str | uuid.UUID, approve: bool, note: str | None = None
    ) -> str:
        """Approve a retouched photo, or ask for changes (Feedback stage only)."""
        note = _clean_text(note) if note and note.strip() else None
        if not approve and note is None:
            raise Invalid("Please say what should change.")
        pid = _photo_uuid(photo_id)
        action = "client.approve" if approve else "client.request_changes"
        async with self.ctx.call(guest, action) as call:
            _link, album, _ = await _guest_link(call, guest)
            photo = await _photo(call, album, pid)
            kind = "approval" if approve else "change_request"
            decision = await record_decision(call.session, album, photo, guest, kind, note)
            call.emit(
                "feedback.decision",
                photo_id=photo.id,
                decision=kind,
                round=decision.round,
                by=guest.name,
                note=decision.text,
            )
            return kind


def _feedback(
    album: Album, photo: Photo, guest: Guest, kind: str, *, stars: int | None = None, text=None
) -> Feedback:  # type: ignore[no-untyped-def]
    return Feedback(
        id=uuid.uuid4(),
        tenant_id=album.tenant_id,
        album_id=album.id,
        photo_id=photo.id,
        link_id=guest.link_id,
        guest_name=guest.name,
        kind=kind,
        round=album.round,
        stars=stars,
        text=text,
    )


async def _access(session: AsyncSession, link: ShareLink) -> LinkAccess:
    now = utcnow()
    if link.revoked_at is not None or (link.expires_at is not None and link.expires_at <= now):
        raise NotFound(GONE)
    album = await session.get(Album, link.album_id)
    tenant = await session.get(Tenant, link.tenant_id)
    if album is None or tenant is None or tenant.suspended_at is not None:
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
    )


async def _guest_link(call: Call, guest: Guest) -> tuple[ShareLink, Album, LinkAccess]:
    link = await call.session.get(ShareLink, guest.link_id)
    if link is None or link.tenant_id != guest.tenant_id or link.album_id != guest.album_id:
        raise NotFound(GONE)
    access = await _access(call.session, link)
    album = await call.session.get(Album, link.album_id)
    assert album is not None
    call.album_id = album.id
    call.tenant_id = guest.tenant_id
    return link, album, access


async def _photo(call: Call, album: Album, photo_id: uuid.UUID) -> Photo:
    photo = await call.session.scalar(
        select(Photo).where(Photo.id == photo_id, Photo.album_id == album.id)
    )
    if photo is None or (Stage(album.stage) not in ALL_PHOTOS and not photo.selected):
        raise NotFound("No such photo in this gallery.")
    call.on("photo", photo.id, f"{album.name}/{photo.filename}")
    call.album_id = album.id
    return photo
