"""What a client says about the photos: picks (against the selection limit), stars, comments,
the submitted selection in Rate, and approvals or change requests in Feedback.

Every action is a service call as the `Guest`, audited as that guest on that link, with a live
event emitted after commit for the desktop app and the open galleries.
"""

from __future__ import annotations

import unicodedata
import uuid

from sqlalchemy import func, select, update

from core.catalog import Album, Feedback, Photo, SentSelection, ShareLink
from core.catalog.base import utcnow
from core.changes import Change
from core.errors import Conflict, Invalid
from core.policies import Guest
from core.services.albums import studio_settings
from core.services.client_access import guest_link, open_sending, photo_in_gallery, photo_uuid
from core.services.client_gallery import CommentView
from core.services.context import Call, ServiceContext
from core.services.photos import record_decision
from core.workflow import Stage

COMMENT_MAX = 2000
NAME_MAX = 80


def clean_name(name: str) -> str:
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = " ".join(name.split())
    if not name:
        raise Invalid("Please give your name.")
    if len(name) > NAME_MAX:
        raise Invalid(f"A name has at most {NAME_MAX} characters.")
    return name


def clean_text(text: str) -> str:
    if len(text) > COMMENT_MAX:
        raise Invalid(f"A comment has at most {COMMENT_MAX} characters.")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C").strip()
    if not text:
        raise Invalid("The comment is empty.")
    if len(text) > COMMENT_MAX:
        raise Invalid(f"A comment has at most {COMMENT_MAX} characters.")
    return text


async def lock_link(call: Call, link: ShareLink, guest: Guest, *, locked: bool = False) -> None:
    """Take the link's row for this call (`locked`: guest_link took it already); a guest's sent
    selection stays as sent until the studio reopens it (`LinkService.unlock`): their picks and
    a second send answer Conflict."""
    if not locked:
        await call.session.execute(
            select(ShareLink.id).where(ShareLink.id == link.id).with_for_update()
        )
    if await call.session.scalar(open_sending(link.id, guest.name)) is not None:
        raise Conflict(
            "Your selection was already sent, so it cannot change now. "
            "To change it, ask your photographer to reopen your selection."
        )


class ClientFeedback:
    """The client's actions on photos; each one is one audited transaction."""

    ctx: ServiceContext

    async def pick(self, guest: Guest, photo_id: str | uuid.UUID, picked: bool = True) -> int:
        """Pick or unpick a photo; returns the guest's pick count. The limit is the link's,
        else the album's, else the studio's."""
        pid = photo_uuid(photo_id)
        async with self.ctx.call(guest, "client.pick" if picked else "client.unpick") as call:
            # On PostgreSQL, picks through one link take turns (the link row is locked as it is
            # read), so two taps at once cannot both pass the limit, nor a pick slip in after
            # the selection was sent; SQLite already runs one writer at a time.
            link, album, access = await guest_link(call, guest, lock=True)
            photo = await photo_in_gallery(call, album, pid)
            if Stage(album.stage) is not Stage.RATE:
                raise Invalid("Picking is open while the photographer waits for your selection.")
            mine = (
                Feedback.link_id == link.id,
                Feedback.guest_name == guest.name,
                Feedback.kind == "pick",
                Feedback.retracted_at.is_(None),
            )
            await lock_link(call, link, guest, locked=True)
            this_photo = Feedback.photo_id == photo.id
            count, had = (
                await call.session.execute(
                    select(func.count(), func.count().filter(this_photo)).where(*mine)
                )
            ).one()
            if picked and not had:
                if access.max_select is not None and count >= access.max_select:
                    raise Invalid(
                        f"You can pick at most {access.max_select} photos; unpick one first."
                    )
                call.session.add(new_feedback(album, photo, guest, "pick"))
                count += 1
            elif not picked and had:
                for current in await call.session.scalars(
                    select(Feedback).where(*mine, this_photo)
                ):
                    current.retracted_at = utcnow()
                    count -= 1
            call.detail.update(picks=count, limit=access.max_select)
            call.emit(
                Change.FEEDBACK_PICK,
                photo_id=photo.id,
                picked=picked,
                guest=guest.name,
                picks=count,
            )
            return count

    async def rate(self, guest: Guest, photo_id: str | uuid.UUID, stars: int) -> int:
        if not isinstance(stars, int) or not 0 <= stars <= 5:
            raise Invalid("Stars go from 0 to 5.")
        pid = photo_uuid(photo_id)
        async with self.ctx.call(guest, "client.rate") as call:
            link, album, _ = await guest_link(call, guest)
            photo = await photo_in_gallery(call, album, pid)
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
                call.session.add(new_feedback(album, photo, guest, "stars", stars=stars))
            call.detail["stars"] = stars
            call.emit(Change.FEEDBACK_STARS, photo_id=photo.id, stars=stars, guest=guest.name)
            return stars

    async def comment(self, guest: Guest, photo_id: str | uuid.UUID, text: str) -> CommentView:
        text = clean_text(text)
        pid = photo_uuid(photo_id)
        async with self.ctx.call(guest, "client.comment") as call:
            _link, album, _ = await guest_link(call, guest)
            photo = await photo_in_gallery(call, album, pid)
            fb = new_feedback(album, photo, guest, "comment", text=text)
            call.session.add(fb)
            await call.session.flush()
            call.detail["length"] = len(text)
            call.emit(
                Change.FEEDBACK_COMMENT,
                photo_id=photo.id,
                comment_id=str(fb.id),
                text=text,
                guest=guest.name,
            )
            return CommentView(fb.id, guest.name, text, fb.created_at, True)

    async def submit(self, guest: Guest) -> int:
        """The guest's picks become the album's selection (Rate only); returns how many."""
        async with self.ctx.call(guest, "client.submit") as call:
            link, album, _ = await guest_link(call, guest)
            call.on("album", album.id, album.name)
            if Stage(album.stage) is not Stage.RATE:
                raise Invalid("The selection can be sent while the album is in Rate.")
            await lock_link(call, link, guest)
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
            link.submitted_at = now  # the link's latest sending, for the studio's list
            call.session.add(
                SentSelection(
                    tenant_id=album.tenant_id,
                    album_id=album.id,
                    link_id=link.id,
                    guest_name=guest.name,
                    sent_at=now,
                    picks=len(picks),
                )
            )
            call.detail.update(picks=len(picks), selected=total)
            call.emit(
                Change.SELECTION_SUBMITTED, count=len(picks), guest=guest.name, selected=total
            )
            return len(picks)

    async def decide(
        self, guest: Guest, photo_id: str | uuid.UUID, approve: bool, note: str | None = None
    ) -> str:
        """Approve a retouched photo, or ask for changes (Feedback stage only)."""
        note = clean_text(note) if note and note.strip() else None
        if not approve and note is None:
            raise Invalid("Please say what should change.")
        pid = photo_uuid(photo_id)
        action = "client.approve" if approve else "client.request_changes"
        async with self.ctx.call(guest, action) as call:
            _link, album, _ = await guest_link(call, guest)
            photo = await photo_in_gallery(call, album, pid)
            kind = "approval" if approve else "change_request"
            await record_decision(call, album, photo, guest, kind, note)
            return kind


def new_feedback(
    album: Album,
    photo: Photo,
    guest: Guest,
    kind: str,
    *,
    stars: int | None = None,
    text: str | None = None,
) -> Feedback:
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
