"""A desktop's side of desktop sync: its outbox of commands waiting for the studio server, the
answers it got (a refusal stays as a conflict its user reads), and the studio's changes pulled
from the server into the local catalog, journalled here so that open views follow them live."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, union

from core.catalog import Album, OutboxCommand, Photo, PhotoVersion, SyncMark, Tenant, User
from core.catalog.base import utcnow
from core.changes import Change
from core.errors import Invalid
from core.events import Event
from core.ingest.matching import unique_stem
from core.services.contact_sheets import ContactSheets
from core.services.context import Call, ServiceContext
from core.services.server_mark import MARK, load_server_mark
from core.services.shared_finals import put_finals
from core.services.shared_versions import put_versions
from core.services.sync_feedback import put_feedback
from core.services.sync_rows import NOT_HERE, fill_album, fill_photo


@dataclass(frozen=True)
class Waiting:
    """A command in the outbox, as it goes to the server."""

    key: str
    action: str
    args: dict[str, Any]
    made_at: datetime


@dataclass(frozen=True)
class SyncConflict:
    at: datetime
    action: str
    message: str


@dataclass(frozen=True)
class SyncStatus:
    server_url: str | None
    waiting: int
    last_sync: datetime | None
    pulled_seq: int
    conflicts: tuple[SyncConflict, ...]


class ReplicaService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.sheets = ContactSheets(ctx.home.contact_sheets)

    async def load(self) -> None:
        """Keep commands when this catalog is already connected to a server (at start-up)."""
        await load_server_mark(self.ctx)

    async def connect(self, server_url: str) -> None:
        """From now on every replayable call of this desktop goes to the outbox too."""
        if not server_url.startswith(("http://", "https://")):
            raise Invalid(
                f"A studio server's address starts with http:// or https://: {server_url}"
            )
        async with self.ctx.call(None, "sync.connect", audit=False) as call:
            mark = await call.session.get(SyncMark, MARK)
            if mark is None:
                await _refuse_a_catalog_of_its_own(call)
                call.session.add(SyncMark(name=MARK, server_url=server_url, pulled_seq=0))
            else:
                mark.server_url = server_url
        self.ctx.keep_commands = True

    async def waiting(self, limit: int = 200) -> list[Waiting]:
        """The oldest commands not yet answered, in the order they were made."""
        async with self.ctx.call(None, "sync.outbox", audit=False) as call:
            rows = await call.session.scalars(
                select(OutboxCommand)
                .where(OutboxCommand.state == "waiting")
                .order_by(OutboxCommand.position)
                .limit(limit)
            )
            return [Waiting(str(r.key), r.action, dict(r.args), r.created_at) for r in rows]

    async def answered(self, answers: list[dict[str, Any]]) -> int:
        """The server's answers: applied commands leave the outbox, refused ones stay as
        conflicts, and what the server has instead is written here. Returns the conflicts."""
        conflicts = 0
        async with self.ctx.call(None, "sync.answered", audit=False) as call:
            call.tenant_id = await _tenant(call)
            for answer in answers:
                row = await call.session.scalar(
                    select(OutboxCommand).where(OutboxCommand.key == uuid.UUID(answer["key"]))
                )
                if row is None:
                    continue
                if answer["outcome"] == "applied":
                    await call.session.delete(row)
                    continue
                conflicts += 1
                row.state, row.answered_at = "conflict", utcnow()
                row.message = (answer.get("message") or "The server did not apply it.")[:2000]
                state = answer.get("state") or {}
                await _put_rows(call, state.get("albums", []), state.get("photos", []))
                # Rows put back with no journal entry to say so: those albums are listed anew.
                for photo in state.get("photos", []):
                    self.sheets.forget(uuid.UUID(photo["album_id"]))
        return conflicts

    async def apply(self, changes: dict[str, Any]) -> int:
        """Pulled changes into this catalog in one transaction; returns the entries applied."""
        async with self.ctx.call(None, "sync.apply", audit=False) as call:
            session = call.session
            studio = changes.get("studio")
            if studio:
                tenant = await session.get(Tenant, uuid.UUID(studio["id"]))
                if tenant is None:
                    tenant = Tenant(id=uuid.UUID(studio["id"]), name=studio["name"])
                    session.add(tenant)
                tenant.name, tenant.settings = studio["name"], studio.get("settings") or {}
                await session.flush()
            call.tenant_id = await _tenant(call)
            for u in changes.get("users") or []:
                user = await session.get(User, uuid.UUID(u["id"]))
                if user is None:
                    user = User(id=uuid.UUID(u["id"]), tenant_id=call.tenant_id)
                    session.add(user)
                user.email, user.name, user.role, user.active = (
                    u["email"],
                    u["name"],
                    u["role"],
                    u["active"],
                )
            await _put_rows(call, changes.get("albums", []), changes.get("photos", []))
            if changes.get("reset"):  # every row anew, the journal's entries only since
                self.sheets.forget_all()
            gone = [uuid.UUID(i) for i in changes.get("gone") or []]
            if gone:
                await session.execute(delete(Photo).where(Photo.id.in_(gone)))
                await session.execute(delete(Album).where(Album.id.in_(gone)))
            if call.tenant_id is not None:
                await put_versions(session, call.tenant_id, changes.get("versions") or [])
                await put_feedback(session, call.tenant_id, changes)
                await put_finals(session, call.tenant_id, changes.get("finals") or [])
            entries = changes.get("entries") or []
            for e in entries:
                if call.tenant_id is None or e["kind"] not in Change._value2member_map_:
                    continue
                call.events.append(
                    Event(
                        Change(e["kind"]),
                        call.tenant_id,
                        _id(e.get("album_id")),
                        _id(e.get("photo_id")),
                        dict(e.get("data") or {}),
                        actor=e.get("actor") or "server",
                    )
                )
            mark = await session.get(SyncMark, MARK)
            if mark is None:
                mark = SyncMark(name=MARK, server_url="", pulled_seq=0)
                session.add(mark)
            mark.pulled_seq = int(changes.get("next", mark.pulled_seq))
            mark.synced_at = utcnow()
            mark.studio_id = call.tenant_id
            return len(entries)

    async def pulled_seq(self) -> int:
        async with self.ctx.call(None, "sync.mark", audit=False) as call:
            mark = await call.session.get(SyncMark, MARK)
            return mark.pulled_seq if mark else 0

    async def touch(self) -> None:
        """A sync round ended with nothing to pull: the last sync is now."""
        async with self.ctx.call(None, "sync.touch", audit=False) as call:
            mark = await call.session.get(SyncMark, MARK)
            if mark is not None:
                mark.synced_at = utcnow()

    async def status(self) -> SyncStatus:
        async with self.ctx.call(None, "sync.status", audit=False) as call:
            mark = await call.session.get(SyncMark, MARK)
            waiting = await call.session.scalar(
                select(func.count()).where(OutboxCommand.state == "waiting")
            )
            rows = await call.session.scalars(
                select(OutboxCommand)
                .where(OutboxCommand.state == "conflict")
                .order_by(OutboxCommand.position)
            )
            return SyncStatus(
                server_url=mark.server_url if mark and mark.server_url else None,
                waiting=int(waiting or 0),
                last_sync=mark.synced_at if mark else None,
                pulled_seq=mark.pulled_seq if mark else 0,
                conflicts=tuple(
                    SyncConflict(r.answered_at or r.created_at, r.action, r.message or "")
                    for r in rows
                ),
            )

    async def dismiss_conflicts(self) -> int:
        """The user has read the conflicts: they leave the list."""
        async with self.ctx.call(None, "sync.dismiss", audit=False) as call:
            result = await call.session.execute(
                delete(OutboxCommand).where(OutboxCommand.state == "conflict")
            )
            return result.rowcount or 0

    async def preview_hashes(self, after: str = "", limit: int = 500) -> list[str]:
        """Content hashes of the pictures whose previews are made here, in order, after `after`:
        photos' previews, and those of the stock and retouched files imported here."""
        async with self.ctx.call(None, "sync.previews", audit=False) as call:
            photos = select(Photo.preview_hash.label("hash")).where(
                Photo.previews_ready, Photo.preview_hash > after
            )
            versions = select(PhotoVersion.content_hash.label("hash")).where(
                PhotoVersion.kind.in_(("stock", "retouched")),
                PhotoVersion.library_path != NOT_HERE,
                PhotoVersion.content_hash > after,
            )
            both = union(photos, versions).subquery()
            rows = await call.session.scalars(
                select(both.c.hash).order_by(both.c.hash).limit(limit)
            )
            return [h for h in rows if h]


async def _refuse_a_catalog_of_its_own(call: Call) -> None:
    """A catalog that never synced joins a studio server only empty: its albums would not be the
    studio's (another studio id, its own users), and nothing merges them yet."""
    albums = await call.session.scalar(select(func.count()).select_from(Album))
    if albums:
        raise Invalid(
            f"This catalog already holds {albums} album{'s' if albums != 1 else ''} made on this "
            "computer alone, and PhotoFlow cannot merge them into a studio server's catalog yet. "
            "Nothing was changed. Give the studio a home of its own (start PhotoFlow with "
            "--home FOLDER or PHOTOFLOW_HOME=FOLDER and connect there); this one stays as it is."
        )


async def _tenant(call: Call) -> uuid.UUID | None:
    return await call.session.scalar(select(Tenant.id).order_by(Tenant.created_at).limit(1))


def _id(value: Any) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


async def _put_rows(call: Call, albums: list[dict[str, Any]], photos: list[dict[str, Any]]) -> None:
    """The server's rows over this catalog's; a local album or photo that holds the same name
    under another id (made here while offline, refused there) steps aside, renamed."""
    session = call.session
    for row in albums:
        album_id = uuid.UUID(row["id"])
        album = await session.get(Album, album_id)
        if album is None or album.name != row["name"]:
            clash = await session.scalar(
                select(Album).where(Album.name == row["name"], Album.id != album_id)
            )
            if clash is not None:
                clash.name = f"{clash.name} (this desktop)"[:200]
                await session.flush()
        if album is None:
            album = Album(id=album_id, tenant_id=call.tenant_id)
            session.add(album)
        fill_album(album, row)
        await session.flush()
    ids = [uuid.UUID(row["id"]) for row in photos]
    known: dict[uuid.UUID, Photo] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        known.update(
            {p.id: p for p in await session.scalars(select(Photo).where(Photo.id.in_(chunk)))}
        )
    for photo_id, row in zip(ids, photos, strict=True):
        photo = known.get(photo_id)
        if photo is None or photo.stem != row["stem"]:
            await _step_aside(session, photo_id, uuid.UUID(row["album_id"]), row["stem"])
        if photo is None:
            photo = Photo(id=photo_id, tenant_id=call.tenant_id)
            session.add(photo)
            known[photo_id] = photo
        fill_photo(photo, row)
    await session.flush()


async def _step_aside(session: Any, photo_id: uuid.UUID, album_id: uuid.UUID, stem: str) -> None:
    """A local photo with the stem the server's photo has takes another (both are kept)."""
    clash = await session.scalar(
        select(Photo).where(Photo.album_id == album_id, Photo.stem == stem, Photo.id != photo_id)
    )
    if clash is not None:
        taken = dict.fromkeys(
            await session.scalars(select(Photo.stem).where(Photo.album_id == clash.album_id))
        )
        clash.stem = unique_stem(clash.stem, taken)
        await session.flush()
