"""What a client sees through a link: the gallery (their own picks, stars, decisions, and the
link's comments) and which file a photo's preview is made from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select

from core.catalog import Feedback, Photo, PhotoVersion
from core.errors import NotFound
from core.policies import Guest
from core.services.client_access import guest_link, open_sending, photo_uuid, seen_by_clients
from core.services.client_downloads import web_finals
from core.services.client_words import ClientStage, client_stage
from core.services.context import ServiceContext
from core.workflow import Stage

# The pictures of a photo a client may be shown in the gallery (downloads are asked for apart).
PICTURE_VARIANTS = ("current", "original", "retouched")
# What choosing a version needs, read as plain rows: a gallery has thousands of versions, and
# loading each as an ORM object cost more than the rest of the gallery together.
VERSION_FACTS = (
    PhotoVersion.photo_id,
    PhotoVersion.kind,
    PhotoVersion.round,
    PhotoVersion.content_hash,
    PhotoVersion.library_path,
    PhotoVersion.filename,
)


class VersionFacts(Protocol):
    photo_id: uuid.UUID
    kind: str
    round: int
    content_hash: str
    library_path: str
    filename: str


@dataclass(frozen=True)
class CommentView:
    id: uuid.UUID
    by: str
    text: str
    at: datetime
    mine: bool
    # The studio's answer (kind "reply") to the comment or change request `reply_to`.
    kind: str = "comment"
    reply_to: uuid.UUID | None = None

    @property
    def by_studio(self) -> bool:
        return self.kind == "reply"


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
    # The content hash of each picture the client may see of it: current, original, retouched.
    pictures: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Gallery:
    album: str
    studio: str
    stage: Stage
    round: int
    guest: str
    max_select: int | None
    picks: int
    submitted_at: datetime | None
    can_pick: bool
    can_decide: bool
    downloads: bool
    words: ClientStage
    cover: uuid.UUID | None = None
    photos: tuple[GalleryPhoto, ...] = field(default_factory=tuple)

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def locked(self) -> bool:
        """The client sent the selection in Rate; picks wait until the studio reopens it."""
        return self.stage is Stage.RATE and self.submitted


@dataclass(frozen=True)
class PreviewSource:
    """Where the pixels of one photo's preview come from (the portal never sees a request path)."""

    content_hash: str
    library_path: Path | None  # None: the file is on a desktop (a studio server keeps previews)
    filename: str


def cover_of(photos: Sequence[Photo]) -> uuid.UUID | None:
    """The album's cover: the studio's best-rated photo (a pick wins a tie), else the first."""
    best = max(photos, key=lambda p: (p.stars or 0, p.flag == "pick"), default=None)
    return best.id if best is not None else None


class GalleryViews:
    """Reading the gallery; nothing here is audited or changes the catalog."""

    ctx: ServiceContext

    async def gallery(self, guest: Guest) -> Gallery:
        async with self.ctx.call(guest, "gallery.view", audit=False) as call:
            link, album, access = await guest_link(call, guest)
            stage = Stage(album.stage)
            query = select(Photo).where(Photo.album_id == album.id, seen_by_clients(stage))
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
            # A decision stands for the photo's newest retouch: a photo approved in round 1 and
            # not retouched again stays approved in round 2.
            newest = dict(
                (
                    await call.session.execute(
                        select(PhotoVersion.photo_id, func.max(PhotoVersion.round))
                        .where(PhotoVersion.album_id == album.id, PhotoVersion.kind == "retouched")
                        .group_by(PhotoVersion.photo_id)
                    )
                ).all()
            )
            decisions = {
                pid: kind
                for pid, kind, rnd in await call.session.execute(
                    select(Feedback.photo_id, Feedback.kind, Feedback.round).where(
                        *mine, Feedback.kind.in_(("approval", "change_request"))
                    )
                )
                if newest.get(pid) == rnd
            }
            comments: dict[uuid.UUID, list[CommentView]] = {}
            for fb in await call.session.scalars(
                select(Feedback)
                .where(
                    Feedback.album_id == album.id,
                    Feedback.link_id == link.id,
                    Feedback.kind.in_(("comment", "reply", "change_request")),
                    Feedback.text.is_not(None),
                    Feedback.retracted_at.is_(None),
                )
                .order_by(Feedback.created_at)
            ):
                # A change request's note is shown with the comments: the studio may answer it.
                comments.setdefault(fb.photo_id, []).append(
                    CommentView(
                        fb.id,
                        fb.guest_name,
                        fb.text or "",
                        fb.created_at,
                        fb.kind != "reply" and fb.guest_name == guest.name,
                        fb.kind,
                        fb.reply_to,
                    )
                )
            versions: dict[uuid.UUID, list[VersionFacts]] = {}
            for v in await call.session.execute(
                select(*VERSION_FACTS).where(PhotoVersion.album_id == album.id)
            ):
                versions.setdefault(v.photo_id, []).append(v)
            retouched = {
                pid for pid, vs in versions.items() if any(v.kind == "retouched" for v in vs)
            }
            # In Final the client is shown the finals: each photo's web-size one.
            web = {}
            if stage is Stage.FINAL:
                web = await web_finals(call, self.ctx.home.library, album)
            sending = await call.session.scalar(open_sending(link.id, guest.name))
            sent_at = sending.sent_at if sending is not None else None
            sent = sent_at is not None
            return Gallery(
                album=album.name,
                studio=access.studio,
                stage=stage,
                round=album.round,
                guest=guest.name,
                max_select=access.max_select,
                picks=len(picked),
                submitted_at=sent_at,
                can_pick=stage is Stage.RATE and not sent,
                can_decide=stage is Stage.FEEDBACK,
                downloads=access.downloads,
                words=client_stage(stage, sent=sent, downloads=access.downloads),
                cover=cover_of(photos),
                photos=tuple(
                    GalleryPhoto(
                        id=p.id,
                        filename=p.filename if access.show_filenames else None,
                        width=web[p.id].width if p.id in web else p.width,
                        height=web[p.id].height if p.id in web else p.height,
                        picked=p.id in picked,
                        stars=stars.get(p.id) or 0,
                        selected=p.selected,
                        has_retouch=p.id in retouched,
                        decision=decisions.get(p.id),
                        comments=tuple(comments.get(p.id, ())),
                        pictures=(
                            (("current", web[p.id].content_hash),)
                            if p.id in web
                            else pictures_of(p, versions.get(p.id, ()))
                        ),
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
        pid = photo_uuid(photo_id)
        async with self.ctx.call(guest, "gallery.preview", audit=False) as call:
            _link, album, access = await guest_link(call, guest)
            photo = await call.session.scalar(
                select(Photo).where(
                    Photo.id == pid, Photo.album_id == album.id, seen_by_clients(Stage(album.stage))
                )
            )
            if photo is None:
                raise NotFound("No such photo in this gallery.")
            if variant == "download" and not access.downloads:
                raise NotFound("No such photo in this gallery.")
            versions = list(
                await call.session.scalars(
                    select(PhotoVersion).where(PhotoVersion.photo_id == photo.id)
                )
            )
            chosen = choose_version(photo, versions, variant)
            if chosen is None:
                raise NotFound("No such photo in this gallery.")
            return self._source(*chosen)

    async def pictures(self, guest: Guest) -> dict[str, PreviewSource]:
        """Every preview the guest's link may be shown now, by content hash: the current,
        original and retouched pictures of each photo the client sees in this stage."""
        async with self.ctx.call(guest, "gallery.pictures", audit=False) as call:
            _link, album, _access = await guest_link(call, guest)
            photos = {
                p.id: p
                for p in await call.session.scalars(
                    select(Photo).where(
                        Photo.album_id == album.id, seen_by_clients(Stage(album.stage))
                    )
                )
            }
            by_photo: dict[uuid.UUID, list[VersionFacts]] = {}
            for v in await call.session.execute(
                select(*VERSION_FACTS).where(PhotoVersion.album_id == album.id)
            ):
                if v.photo_id in photos:
                    by_photo.setdefault(v.photo_id, []).append(v)
            found: dict[str, PreviewSource] = {}
            if Stage(album.stage) is Stage.FINAL:  # the finals first: the web-size one of each
                library = self.ctx.home.library
                for final in (await web_finals(call, library, album, photos)).values():
                    found[final.content_hash] = PreviewSource(
                        final.content_hash,
                        self.ctx.home.library / final.library_path,
                        final.filename,
                    )
            for pid, versions in by_photo.items():
                for variant in PICTURE_VARIANTS:
                    chosen = choose_version(photos[pid], versions, variant)
                    if chosen is not None:
                        found.setdefault(chosen[0], self._source(*chosen))
            return found

    def _source(self, content_hash: str, version: VersionFacts) -> PreviewSource:
        path = version.library_path
        return PreviewSource(
            content_hash, self.ctx.home.library / path if path else None, version.filename
        )


def pictures_of(photo: Photo, versions: Sequence[VersionFacts]) -> tuple[tuple[str, str], ...]:
    """(variant, content hash) of each picture of the photo a client may be shown."""
    found = ((variant, choose_version(photo, versions, variant)) for variant in PICTURE_VARIANTS)
    return tuple((variant, chosen[0]) for variant, chosen in found if chosen is not None)


def choose_version(
    photo: Photo, versions: Sequence[VersionFacts], variant: str
) -> tuple[str, VersionFacts] | None:
    """The version a variant shows, with the content hash of its preview: `original` (before),
    `retouched` (after, the newest round), `current` (the newest of the two), `download`
    (final, else newest, else original)."""
    by_kind = {(v.kind, v.round): v for v in versions}
    retouched = max(
        (v for (k, _r), v in by_kind.items() if k == "retouched"),
        key=lambda v: v.round,
        default=None,
    )
    original = by_kind.get(("original", 0))
    order = {
        "original": (original,),
        "retouched": (retouched,),
        "current": (retouched, by_kind.get(("stock", 0)), original),
        "download": (by_kind.get(("final", 0)), retouched, original),
    }.get(variant, ())
    chosen = next((v for v in order if v is not None), None)
    if chosen is None:
        return None
    if chosen is original and photo.preview_hash:
        return photo.preview_hash, chosen
    return chosen.content_hash, chosen
