"""Client links and what clients said through them, between a studio server and its desktops.

The server answers a pull with the current links its entries name, and every feedback row (picks,
stars, comments, decisions) of the photos those entries touch; for a sent or reopened selection,
every row of the album, with its sendings. A desktop replaces its rows of those photos and albums
with the server's, so a pull applied twice leaves the same catalog. A link's token never travels:
the desktop that published it keeps it sealed, and the portal finds a link by its token's hash.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, Feedback, Photo, SentSelection, ShareLink, User
from core.changes import Change
from core.events import Event
from core.services.links import fill_link, link_args
from core.services.sync_rows import plain, when

# Entries after which a photo's feedback rows travel again.
PHOTO_FEEDBACK = {
    Change.FEEDBACK_PICK,
    Change.FEEDBACK_STARS,
    Change.FEEDBACK_COMMENT,
    Change.FEEDBACK_DECISION,
    Change.PHOTO_VERSION,  # a retouched version resolves the change requests it answers
}
# Entries after which the whole album's feedback, sendings and selection travel again.
ALBUM_FEEDBACK = {Change.SELECTION_SUBMITTED, Change.SELECTION_UNLOCKED}
LINK_CHANGES = {Change.LINK_CREATED, Change.LINK_REVOKED, Change.LINK_CHANGED}
FEEDBACK_FIELDS = ("guest_name", "kind", "round", "stars", "text")
FEEDBACK_TIMES = ("retracted_at", "resolved_at", "created_at")


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def albums_to_resend(events: Iterable[Event]) -> set[uuid.UUID]:
    """Albums whose selection a client sent or the studio reopened: all their photos travel."""
    return {e.album_id for e in events if e.kind in ALBUM_FEEDBACK and e.album_id is not None}


async def feedback_payload(
    session: AsyncSession,
    tenant: uuid.UUID,
    events: list[Event],
    reset: bool,
) -> dict[str, Any]:
    """The links and feedback rows a pull carries (`reset`: all of the studio's)."""
    photos = {e.photo_id for e in events if e.kind in PHOTO_FEEDBACK and e.photo_id is not None}
    albums = albums_to_resend(events)
    link_ids = set()
    for e in events:
        if e.kind in LINK_CHANGES or e.kind is Change.SELECTION_UNLOCKED:
            link_id = _uuid((e.data or {}).get("link_id"))
            if link_id is not None:
                link_ids.add(link_id)
    if reset:
        albums = set(await session.scalars(select(Album.id).where(Album.tenant_id == tenant)))
        photos = set()
    feedback: list[Feedback] = []
    sent: list[SentSelection] = []
    if photos or albums:
        feedback = list(
            await session.scalars(
                select(Feedback)
                .where(
                    Feedback.tenant_id == tenant,
                    or_(Feedback.photo_id.in_(photos), Feedback.album_id.in_(albums)),
                )
                .order_by(Feedback.created_at)
            )
        )
    if albums:
        sent = list(
            await session.scalars(
                select(SentSelection).where(
                    SentSelection.tenant_id == tenant, SentSelection.album_id.in_(albums)
                )
            )
        )
    link_ids |= {f.link_id for f in feedback if f.link_id is not None}
    link_ids |= {s.link_id for s in sent}
    links = select(ShareLink).where(ShareLink.tenant_id == tenant)
    if not reset:
        links = links.where(ShareLink.id.in_(link_ids))
    link_rows = list(await session.scalars(links)) if reset or link_ids else []
    return {
        "links": [
            {**link_args(k), "album_id": str(k.album_id), "created_at": plain(k.created_at)}
            for k in link_rows
        ],
        "feedback": {
            "photos": sorted(str(p) for p in photos),
            "albums": sorted(str(a) for a in albums),
            "rows": [_feedback_row(f) for f in feedback],
            "sent": [_sent_row(s) for s in sent],
        },
    }


def _feedback_row(f: Feedback) -> dict[str, Any]:
    row = {name: getattr(f, name) for name in FEEDBACK_FIELDS}
    row.update({name: plain(getattr(f, name)) for name in FEEDBACK_TIMES})
    row.update(
        id=str(f.id),
        album_id=str(f.album_id),
        photo_id=str(f.photo_id),
        link_id=plain(f.link_id),
        user_id=plain(f.user_id),
        reply_to=plain(f.reply_to),
    )
    return row


def _sent_row(s: SentSelection) -> dict[str, Any]:
    return {
        "id": str(s.id),
        "album_id": str(s.album_id),
        "link_id": str(s.link_id),
        "guest_name": s.guest_name,
        "sent_at": plain(s.sent_at),
        "picks": s.picks,
        "reopened_at": plain(s.reopened_at),
    }


async def put_feedback(session: AsyncSession, tenant: uuid.UUID, changes: dict[str, Any]) -> None:
    """A pull's links, then its feedback rows in place of this catalog's rows of the same
    photos and albums (rows of photos or links this catalog does not have are left out)."""
    links = changes.get("links") or []
    wanted_albums = {uuid.UUID(row["album_id"]) for row in links}
    albums_here = set(
        await session.scalars(select(Album.id).where(Album.id.in_(wanted_albums)))
        if wanted_albums
        else []
    )
    for row in links:
        album_id = uuid.UUID(row["album_id"])
        if album_id not in albums_here:
            continue
        link = await session.get(ShareLink, uuid.UUID(row["link"]))
        if link is None:
            link = ShareLink(tenant_id=tenant, album_id=album_id)
            if row.get("created_at"):
                link.created_at = when(row["created_at"])
            session.add(link)
        fill_link(link, row)  # the seal of a link published here stays
    await session.flush()
    payload = changes.get("feedback") or {}
    photos = [uuid.UUID(p) for p in payload.get("photos") or []]
    albums = [uuid.UUID(a) for a in payload.get("albums") or []]
    if not photos and not albums:
        return
    await session.execute(
        delete(Feedback).where(or_(Feedback.photo_id.in_(photos), Feedback.album_id.in_(albums)))
    )
    await session.execute(delete(SentSelection).where(SentSelection.album_id.in_(albums)))
    rows = payload.get("rows") or []
    wanted = {uuid.UUID(r["photo_id"]) for r in rows}
    photos_here = set(await session.scalars(select(Photo.id).where(Photo.id.in_(wanted))))
    sent = payload.get("sent") or []
    named = {uuid.UUID(r["link_id"]) for r in [*rows, *sent] if r.get("link_id")}
    links_here = set(await session.scalars(select(ShareLink.id).where(ShareLink.id.in_(named))))
    users_here = set(await session.scalars(select(User.id)))
    for r in rows:
        link_id, user_id = _uuid(r.get("link_id")), _uuid(r.get("user_id"))
        if uuid.UUID(r["photo_id"]) not in photos_here or (
            link_id is not None and link_id not in links_here
        ):
            continue
        fb = Feedback(
            id=uuid.UUID(r["id"]),
            tenant_id=tenant,
            album_id=uuid.UUID(r["album_id"]),
            photo_id=uuid.UUID(r["photo_id"]),
            link_id=link_id,
            user_id=user_id if user_id in users_here else None,
            reply_to=_uuid(r.get("reply_to")),
            **{name: r.get(name) for name in FEEDBACK_FIELDS},
        )
        for name in FEEDBACK_TIMES:
            if r.get(name) or name != "created_at":
                setattr(fb, name, when(r.get(name)))
        session.add(fb)
    for r in sent:
        if uuid.UUID(r["link_id"]) not in links_here:
            continue
        session.add(
            SentSelection(
                id=uuid.UUID(r["id"]),
                tenant_id=tenant,
                album_id=uuid.UUID(r["album_id"]),
                link_id=uuid.UUID(r["link_id"]),
                guest_name=r["guest_name"],
                sent_at=when(r["sent_at"]),
                picks=r["picks"],
                reopened_at=when(r.get("reopened_at")),
            )
        )
    await session.flush()
