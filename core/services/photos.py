"""Culling marks, the selection, and an admin's approvals on a client's behalf."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, Feedback, Photo, PhotoVersion
from core.catalog.base import utcnow
from core.changes import Change
from core.errors import Invalid, NotFound
from core.ingest.matching import stem_of
from core.journal.store import head_of
from core.policies import Actor, Guest, Permission, require
from core.services.albums import as_uuid, find_album
from core.services.contact_sheets import ContactSheets, brought_up_to_date
from core.services.context import Call, ServiceContext
from core.services.guest_activity import GuestActivity, guest_activity
from core.services.photo_rows import AlbumRows, PhotoRow, fetch_photo_rows, photo_rows
from core.workflow import Stage

LABELS = ("Red", "Yellow", "Green", "Blue", "Purple")
FLAGS = ("pick", "reject")
SELECTABLE = (Stage.RAW, Stage.STOCK, Stage.RATE)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Marks:
    """What a photographer's culling says about a photo; also what goes into its XMP sidecar."""

    photo_id: uuid.UUID
    filename: str
    stars: int
    flag: str | None
    label: str | None
    selected: bool


SidecarWriter = Callable[[str, Marks], None]


def parse_label(text: str | None) -> str | None:
    if text is None or text.strip().lower() in ("", "none", "off"):
        return None
    for label in LABELS:
        if label.lower() == text.strip().lower():
            return label
    raise Invalid(f"Colour labels are {', '.join(LABELS)} or none; not {text!r}.")


async def find_photo(session: AsyncSession, album: Album, ref: str | uuid.UUID) -> Photo:
    """A photo of the album by id, filename or filename stem."""
    by_id = as_uuid(ref)
    scope = (Photo.album_id == album.id, Photo.tenant_id == album.tenant_id)
    photo = None
    if by_id is not None:
        photo = await session.scalar(select(Photo).where(Photo.id == by_id, *scope))
    if photo is None:
        text = str(ref).strip()
        photo = await session.scalar(select(Photo).where(Photo.filename == text, *scope))
        if photo is None:
            photo = await session.scalar(select(Photo).where(Photo.stem == stem_of(text), *scope))
    if photo is None:
        raise NotFound(f"No photo {ref!s} in album {album.name}.")
    return photo


async def latest_retouch_round(session: AsyncSession, photo_id: uuid.UUID) -> int | None:
    return await session.scalar(
        select(func.max(PhotoVersion.round)).where(
            PhotoVersion.photo_id == photo_id, PhotoVersion.kind == "retouched"
        )
    )


async def record_decision(
    call: Call,
    album: Album,
    photo: Photo,
    who: Actor | Guest,
    kind: str,
    note: str | None,
) -> Feedback:
    """Approval or change request on the photo's newest retouched version (the newest decision
    wins), told live to the desktop and open galleries once the call commits."""
    session = call.session
    if Stage(album.stage) is not Stage.FEEDBACK:
        raise Invalid(
            f"Approvals are given in the Feedback stage; {album.name} is in {album.stage}."
        )
    if not photo.selected:
        raise Invalid(f"{photo.filename} is not in the selection.")
    rnd = await latest_retouch_round(session, photo.id)
    if rnd is None:
        raise Invalid(f"{photo.filename} has no retouched version to approve yet.")
    now = utcnow()
    await session.execute(
        update(Feedback)
        .where(
            Feedback.photo_id == photo.id,
            Feedback.kind.in_(("approval", "change_request")),
            Feedback.round == rnd,
            Feedback.retracted_at.is_(None),
        )
        .values(retracted_at=now)
    )
    decision = Feedback(
        id=uuid.uuid4(),
        tenant_id=album.tenant_id,
        album_id=album.id,
        photo_id=photo.id,
        link_id=who.link_id if isinstance(who, Guest) else None,
        user_id=who.user_id if isinstance(who, Actor) else None,
        guest_name=who.name if isinstance(who, Guest) else "",
        kind=kind,
        round=rnd,
        text=(note or "").strip() or None,
    )
    session.add(decision)
    call.emit(
        Change.FEEDBACK_DECISION,
        photo_id=photo.id,
        decision=kind,
        round=rnd,
        by=who.email if isinstance(who, Actor) else who.name,
        note=decision.text,
    )
    return decision


@dataclass(frozen=True)
class VersionInfo:
    kind: str
    round: int
    filename: str
    content_hash: str
    path: Path | None  # None: the file is on another machine (and in Drive)
    added_at: datetime


@dataclass(frozen=True)
class ClientWord:
    """A comment, approval or change request, with who said it (a guest's name)."""

    kind: str
    author: str
    text: str | None
    round: int
    at: datetime
    resolved: bool
    # The studio's replies (kind "reply", author: the staff member) name what they answer.
    id: uuid.UUID | None = None
    reply_to: uuid.UUID | None = None


@dataclass(frozen=True)
class PhotoDetail:
    row: PhotoRow
    exif: dict[str, object]
    versions: tuple[VersionInfo, ...]
    feedback: tuple[ClientWord, ...]
    original_path: Path | None
    guests: tuple[GuestActivity, ...] = ()


class PhotoService:
    def __init__(self, ctx: ServiceContext, sidecars: SidecarWriter | None = None) -> None:
        self.ctx = ctx
        self.sidecars = sidecars
        self.sheets = ContactSheets(ctx.home.contact_sheets)

    async def list(
        self,
        actor: Actor,
        album_ref: str | uuid.UUID,
        *,
        order: str = "taken",
        limit: int | None = None,
    ) -> list[PhotoRow]:
        """Every photo of the album, in capture order (or by name), with client activity counts."""
        async with self.ctx.call(actor, "photo.list", audit=False, read=True) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            fetched = await fetch_photo_rows(call.session, album, order, limit=limit)
        # Decoded after the transaction, and a large album off the event loop's thread: the
        # desktop keeps painting while 50,000 rows are built.
        if fetched.large:
            return await asyncio.to_thread(fetched.decode)
        return fetched.decode()

    async def listing(
        self,
        actor: Actor,
        album_ref: str | uuid.UUID,
        *,
        order: str = "taken",
        limit: int | None = None,
        keep: bool = False,
    ) -> AlbumRows:
        """As `list`, but the rows as the database sent them: a grid of 50,000 photos holds
        these and builds a PhotoRow only for the photos it shows or is asked about. `keep`: the
        whole album in capture order is kept as its contact sheet (`kept_listing`)."""
        keep = keep and order == "taken" and limit is None
        async with self.ctx.call(actor, "photo.list", audit=False, read=True) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            # Read before the rows: a sheet may be newer than its stamp, never older.
            seq, _ = await head_of(call.session, album.tenant_id) if keep else (0, 0)
            fetched = await fetch_photo_rows(call.session, album, order, limit=limit)

        def decoded() -> AlbumRows:
            rows = fetched.album_rows()
            if keep:  # before anyone holds (and changes) them
                self._keep(album.id, seq, rows)
            return rows

        if fetched.large or keep:  # JSON of 50,000 rows: off the event loop's thread
            return await asyncio.to_thread(decoded)
        return decoded()

    def _keep(self, album_id: uuid.UUID, seq: int, rows: AlbumRows) -> None:
        try:
            self.sheets.save(album_id, seq, rows)
        except OSError as exc:  # a full disk: the album opens as fast as it lists
            log.warning("could not keep the contact sheet of album %s: %s", album_id, exc)

    async def kept_listing(self, actor: Actor, album_ref: str | uuid.UUID) -> AlbumRows | None:
        """The album's rows in capture order from its contact sheet, brought up to date from
        the journal; None when it has none or the journal cannot bring it up to date (then
        `listing`). A 50,000-photo album this way in a third of a listing's time."""
        async with self.ctx.call(actor, "photo.list", audit=False, read=True) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            kept = await asyncio.to_thread(self.sheets.load, album.id)
            if kept is None:
                return None
            return await brought_up_to_date(call.session, album.tenant_id, album, kept)

    async def row(
        self, actor: Actor, album_ref: str | uuid.UUID, photo_ref: str | uuid.UUID
    ) -> PhotoRow:
        """One photo's grid row, for refreshing a single cell after a live event."""
        async with self.ctx.call(actor, "photo.row", audit=False, read=True) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            photo = await find_photo(call.session, album, photo_ref)
            [row] = await photo_rows(call.session, album, photo_id=photo.id)
            return row

    async def detail(
        self, actor: Actor, album_ref: str | uuid.UUID, photo_ref: str | uuid.UUID
    ) -> PhotoDetail:
        """What the inspector shows: EXIF, every version, and what clients said, oldest first."""
        async with self.ctx.call(actor, "photo.detail", audit=False, read=True) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            photo = await find_photo(call.session, album, photo_ref)
            [row] = await photo_rows(call.session, album, photo_id=photo.id)
            versions = await call.session.execute(
                select(
                    PhotoVersion.kind,
                    PhotoVersion.round,
                    PhotoVersion.filename,
                    PhotoVersion.content_hash,
                    PhotoVersion.library_path,
                    PhotoVersion.created_at,
                )
                .where(PhotoVersion.photo_id == photo.id)
                .order_by(PhotoVersion.created_at)
            )
            said = await call.session.execute(
                select(Feedback)
                .where(Feedback.photo_id == photo.id, Feedback.retracted_at.is_(None))
                .where(Feedback.kind.in_(("comment", "approval", "change_request", "reply")))
                .order_by(Feedback.created_at)
            )
            library = self.ctx.home.library
            vs = tuple(
                VersionInfo(k, r, f, h, library / p if p else None, at)
                for k, r, f, h, p, at in versions
            )
            original = next((v.path for v in vs if v.kind == "original" and v.path), None)
            return PhotoDetail(
                row=row,
                exif=dict(photo.exif or {}),
                versions=vs,
                feedback=tuple(
                    ClientWord(
                        f.kind,
                        f.guest_name or "studio (for the client)",
                        f.text,
                        f.round,
                        f.created_at,
                        f.resolved_at is not None,
                        f.id,
                        f.reply_to,
                    )
                    for f in said.scalars()
                ),
                original_path=original,
                guests=(await guest_activity(call.session, album.id, photo.id)).get(photo.id, ()),
            )

    async def guests(
        self, actor: Actor, album_ref: str | uuid.UUID
    ) -> dict[uuid.UUID, tuple[GuestActivity, ...]]:
        """Each guest's picks, stars and comments on the album's photos, by photo id."""
        async with self.ctx.call(actor, "photo.guests", audit=False, read=True) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            return await guest_activity(call.session, album.id)

    async def rate(self, actor: Actor, album: str | uuid.UUID, photo: str, stars: int) -> Marks:
        if not 0 <= stars <= 5:
            raise Invalid("Stars go from 0 to 5.")
        return await self._mark(actor, album, photo, "photo.rate", stars=stars)

    async def flag(
        self, actor: Actor, album: str | uuid.UUID, photo: str, flag: str | None
    ) -> Marks:
        if flag is not None and flag not in FLAGS:
            raise Invalid("A photo is picked, rejected or unflagged.")
        return await self._mark(actor, album, photo, "photo.flag", flag=flag or "")

    async def label(
        self, actor: Actor, album: str | uuid.UUID, photo: str, label: str | None
    ) -> Marks:
        return await self._mark(actor, album, photo, "photo.label", label=parse_label(label) or "")

    async def select(
        self, actor: Actor, album: str | uuid.UUID, photo: str, selected: bool = True
    ) -> Marks:
        return await self._mark(actor, album, photo, "photo.select", selected=selected)

    async def _mark(
        self,
        actor: Actor,
        album_ref: str | uuid.UUID,
        photo_ref: str | uuid.UUID,
        action: str,
        *,
        stars: int | None = None,
        flag: str | None = None,
        label: str | None = None,
        selected: bool | None = None,
    ) -> Marks:
        async with self.ctx.call(actor, action) as call:
            require(actor, Permission.MANAGE_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            photo = await find_photo(call.session, album, photo_ref)
            call.on("photo", photo.id, f"{album.name}/{photo.filename}")
            call.album_id = album.id
            clients_saw = (photo.flag != "reject", photo.selected)
            if stars is not None:
                call.detail["stars"] = {"from": photo.stars, "to": stars}
                photo.stars = stars
            if flag is not None:
                call.detail["flag"] = {"from": photo.flag, "to": flag or None}
                photo.flag = flag or None
            if label is not None:
                call.detail["label"] = {"from": photo.label, "to": label or None}
                photo.label = label or None
            if selected is not None and selected != photo.selected:
                stage = Stage(album.stage)
                if stage not in SELECTABLE:
                    raise Invalid(
                        f"The selection is settled once an album leaves Rate; {album.name} is in "
                        f"{stage.title}. An admin can reopen it."
                    )
                photo.selected = selected
                photo.selected_by = actor.email if selected else None
                photo.selected_at = utcnow() if selected else None
                call.detail["selected"] = selected
            marks = Marks(
                photo.id, photo.filename, photo.stars, photo.flag, photo.label, photo.selected
            )
            mark = {"stars": stars, "flag": flag, "label": label, "selected": selected}
            call.command(
                action,
                album=album.id,
                photo=photo.id,
                **{k: v for k, v in mark.items() if v is not None},
            )
            call.emit(
                Change.PHOTO_MARKS,
                photo_id=photo.id,
                stars=photo.stars,
                flag=photo.flag,
                label=photo.label,
                selected=photo.selected,
                # Rejecting, un-rejecting or (un)selecting changes what a client gallery shows.
                gallery_changed=clients_saw != (photo.flag != "reject", photo.selected),
            )
            original = await _original_path(call, photo.id)
            if self.sidecars is not None and original and action != "photo.select":
                # Inside the call, so sidecars are written in the order the marks commit (the
                # row version refuses a concurrent change); off the loop, so culling keys never
                # wait for the disk's fsync.
                await asyncio.to_thread(self.sidecars, original, marks)
        return marks

    async def decide(
        self,
        actor: Actor,
        album_ref: str | uuid.UUID,
        photo_ref: str | uuid.UUID,
        approve: bool,
        note: str | None = None,
    ) -> Marks:
        """An admin approves, or requests changes, on the client's behalf (audited as such)."""
        action = "photo.approve" if approve else "photo.request_changes"
        async with self.ctx.call(actor, action) as call:
            require(actor, Permission.REOPEN_AND_APPROVE)
            album = await find_album(call.session, actor, album_ref)
            photo = await find_photo(call.session, album, photo_ref)
            call.on("photo", photo.id, f"{album.name}/{photo.filename}")
            call.album_id = album.id
            call.detail["on_behalf_of_client"] = True
            if note:
                call.detail["note"] = note
            kind = "approval" if approve else "change_request"
            await record_decision(call, album, photo, actor, kind, note)
            # On a connected desktop the decision goes to the studio server too: the server's
            # feedback rows of this photo come back in every pull and replace the ones here.
            call.command("photo.decide", album=album.id, photo=photo.id, approve=approve, note=note)
            return Marks(
                photo.id, photo.filename, photo.stars, photo.flag, photo.label, photo.selected
            )


async def _original_path(call: Call, photo_id: uuid.UUID) -> str | None:
    return await call.session.scalar(
        select(PhotoVersion.library_path).where(
            PhotoVersion.photo_id == photo_id, PhotoVersion.kind == "original"
        )
    )
