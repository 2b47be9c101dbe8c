"""The studio answers what a client said: a reply under a comment or change request, shown in
that link's gallery as a thread, with the name of the staff member who wrote it."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.catalog import Feedback, User
from core.changes import Change
from core.errors import Invalid, NotFound
from core.policies import Actor, Permission, require
from core.services.albums import as_uuid, find_album
from core.services.client_feedback import clean_text
from core.services.context import ServiceContext
from core.services.photos import find_photo

# What a client says that the studio may answer.
ANSWERABLE = ("comment", "change_request")


class ReplyService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def reply(
        self,
        actor: Actor,
        album_ref: str | uuid.UUID,
        photo_ref: str | uuid.UUID,
        text: str,
        *,
        to: str | uuid.UUID | None = None,
        reply_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """Answer the comment or change request `to` (by default the photo's newest one from a
        client); returns the reply's id. `reply_id` is given when a command is replayed."""
        text = clean_text(text)
        async with self.ctx.call(actor, "photo.reply") as call:
            require(actor, Permission.ADD_RETOUCHES)
            album = await find_album(call.session, actor, album_ref)
            photo = await find_photo(call.session, album, photo_ref)
            call.on("photo", photo.id, f"{album.name}/{photo.filename}")
            call.album_id = album.id
            said = select(Feedback).where(
                Feedback.photo_id == photo.id,
                Feedback.kind.in_(ANSWERABLE),
                Feedback.link_id.is_not(None),
                Feedback.retracted_at.is_(None),
            )
            if to is not None:
                target = as_uuid(to)
                if target is None:
                    raise Invalid("Say which comment to answer by its id.")
                answered = await call.session.scalar(said.where(Feedback.id == target))
            else:
                answered = await call.session.scalar(
                    said.order_by(Feedback.created_at.desc()).limit(1)
                )
            if answered is None:
                raise NotFound(f"No client has commented on {photo.filename} to answer.")
            user = await call.session.scalar(select(User).where(User.id == actor.user_id))
            name = (user.name if user is not None and user.name else actor.name) or actor.email
            reply = Feedback(
                id=reply_id or uuid.uuid4(),
                tenant_id=album.tenant_id,
                album_id=album.id,
                photo_id=photo.id,
                link_id=answered.link_id,
                user_id=actor.user_id,
                guest_name=name[:200],
                kind="reply",
                round=album.round,
                text=text,
                reply_to=answered.id,
            )
            call.session.add(reply)
            await call.session.flush()
            call.detail.update(length=len(text), reply_to=str(answered.id))
            call.emit(
                Change.FEEDBACK_COMMENT,
                photo_id=photo.id,
                comment_id=str(reply.id),
                reply_to=str(answered.id),
                text=text,
                staff=name,
            )
            # On a connected desktop the reply goes to the studio server, with its id, so the
            # feedback rows that come back in the next pull are the same reply.
            call.command(
                "photo.reply",
                album=album.id,
                photo=photo.id,
                to=answered.id,
                text=text,
                reply=reply.id,
            )
            return reply.id
