"""Albums: create, list, show with what blocks them, and move them through the workflow."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, IngestFailure, Photo, Tenant
from core.catalog.base import utcnow
from core.changes import Change
from core.errors import Conflict, Invalid, NotFound, Refused
from core.ingest.library import album_folder
from core.policies import Actor, Guest, Permission, require
from core.services.context import REPLAYING, Call, ServiceContext
from core.services.gates import gather_facts
from core.settings import StudioSettings
from core.workflow import (
    ORDER,
    Move,
    MoveKind,
    Refusal,
    Stage,
    next_stage,
    plan_move,
    rules_to_leave,
)


@dataclass(frozen=True)
class AlbumSummary:
    id: uuid.UUID
    name: str
    client: str | None
    stage: Stage
    round: int
    photo_count: int
    selected_count: int
    min_select: int
    max_select: int | None
    next_stage: Stage | None
    blocking: tuple[Refusal, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class OpenFailure:
    """A file an import could not bring in, still blocking the album from leaving Raw."""

    path: str
    reason: str
    at: datetime


def as_uuid(ref: object) -> uuid.UUID | None:
    """`ref` as an id when it is one (a UUID or its text), else None: names and filenames."""
    if isinstance(ref, uuid.UUID):
        return ref
    try:
        return uuid.UUID(str(ref).strip())
    except ValueError:
        return None


async def find_album(
    session: AsyncSession, who: Actor | Guest, ref: str | uuid.UUID, *, in_trash: bool = False
) -> Album:
    """An album of the actor's studio by id or unique name; another studio's is 'not found',
    and so is one in the trash (unless `in_trash` asks for those)."""
    trashed = Album.trashed_at.is_not(None) if in_trash else Album.trashed_at.is_(None)
    scope = and_(Album.tenant_id == who.tenant_id, trashed)
    album = None
    album_id = as_uuid(ref)
    if album_id is not None:
        album = await session.scalar(select(Album).where(Album.id == album_id, scope))
    if album is None and isinstance(ref, str):
        album = await session.scalar(select(Album).where(Album.name == ref.strip(), scope))
    if album is None:
        raise NotFound(f"No album {ref!s} in this studio.")
    return album


async def studio_settings(session: AsyncSession, tenant_id: uuid.UUID) -> StudioSettings:
    tenant = await session.get(Tenant, tenant_id)
    return StudioSettings.from_dict(tenant.settings if tenant else None)


async def summarise(session: AsyncSession, album: Album) -> AlbumSummary:
    settings = await studio_settings(session, album.tenant_id)
    rules = settings.rules(album.min_select, album.max_select)
    stage = Stage(album.stage)
    facts = await gather_facts(session, album)
    blocking = () if stage is Stage.FINAL else tuple(rules_to_leave(facts, rules))
    return AlbumSummary(
        id=album.id,
        name=album.name,
        client=album.client_name,
        stage=stage,
        round=album.round,
        photo_count=facts.photo_count,
        selected_count=facts.selected_count,
        min_select=rules.min_select,
        max_select=rules.max_select,
        next_stage=next_stage(stage),
        blocking=blocking,
        created_at=album.created_at,
        updated_at=album.updated_at,
    )


def _album_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Invalid("An album needs a name.")
    if len(name) > 200:
        raise Invalid("An album name can be at most 200 characters.")
    return name


def _check_limits(min_select: int | None, max_select: int | None) -> None:
    if min_select is not None and min_select < 0:
        raise Invalid("The minimum selection cannot be negative.")
    if max_select is not None and max_select < 1:
        raise Invalid("The maximum selection must be at least 1.")
    if min_select is not None and max_select is not None and max_select < min_select:
        raise Invalid("The maximum selection is smaller than the minimum.")


class AlbumService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def create(
        self,
        actor: Actor,
        name: str,
        *,
        client: str | None = None,
        min_select: int | None = None,
        max_select: int | None = None,
        album_id: uuid.UUID | None = None,
    ) -> AlbumSummary:
        """A new album in Raw; `album_id` is given when a desktop's album is replayed."""
        name = _album_name(name)
        _check_limits(min_select, max_select)
        async with self.ctx.call(actor, "album.create") as call:
            require(actor, Permission.MANAGE_ALBUMS)
            taken = (
                await call.session.execute(
                    select(Album.id, Album.trashed_at).where(
                        Album.tenant_id == actor.tenant_id, Album.name == name
                    )
                )
            ).first()
            if taken is not None and taken.trashed_at is not None:
                raise Conflict(
                    f"An album named {name!r} is in the trash: put it back, or empty the trash."
                )
            if taken is not None:
                raise Conflict(f"An album named {name!r} already exists in this studio.")
            album = Album(
                id=album_id or uuid.uuid4(),
                tenant_id=actor.tenant_id,
                name=name,
                client_name=(client or "").strip() or None,
                stage=Stage.RAW.value,
                round=1,
                min_select=min_select,
                max_select=max_select,
                created_by=actor.user_id,
            )
            call.session.add(album)
            await call.session.flush()
            call.on("album", album.id, name)
            call.emit(Change.ALBUM_CREATED, name=name, client=album.client_name)
            call.command(
                "album.create",
                album_id=album.id,
                name=name,
                client=album.client_name,
                min_select=min_select,
                max_select=max_select,
            )
            return await summarise(call.session, album)

    async def list(self, actor: Actor, stage: Stage | None = None) -> list[AlbumSummary]:
        """Albums of the studio with counts; blocking rules are left out for speed."""
        async with self.ctx.call(actor, "album.list", audit=False, read=True) as call:
            require(actor, Permission.VIEW_ALBUMS)
            settings = await studio_settings(call.session, actor.tenant_id)
            photos = select(func.count()).where(Photo.album_id == Album.id).scalar_subquery()
            selected = (
                select(func.count())
                .where(Photo.album_id == Album.id, Photo.selected)
                .scalar_subquery()
            )
            query = select(Album, photos, selected).where(
                Album.tenant_id == actor.tenant_id, Album.trashed_at.is_(None)
            )
            if stage is not None:
                query = query.where(Album.stage == stage.value)
            rows = await call.session.execute(query.order_by(Album.created_at.desc()))
            out = []
            for album, n, sel in rows:
                rules = settings.rules(album.min_select, album.max_select)
                st = Stage(album.stage)
                out.append(
                    AlbumSummary(
                        album.id,
                        album.name,
                        album.client_name,
                        st,
                        album.round,
                        n,
                        sel,
                        rules.min_select,
                        rules.max_select,
                        next_stage(st),
                        (),
                        album.created_at,
                        album.updated_at,
                    )
                )
            out.sort(key=lambda a: (ORDER.index(a.stage), a.name.lower()))
            return out

    async def show(self, actor: Actor, ref: str | uuid.UUID) -> AlbumSummary:
        async with self.ctx.call(actor, "album.show", audit=False, read=True) as call:
            require(actor, Permission.VIEW_ALBUMS)
            return await summarise(call.session, await find_album(call.session, actor, ref))

    async def rename(self, actor: Actor, ref: str | uuid.UUID, name: str) -> AlbumSummary:
        name = _album_name(name)
        async with self.ctx.call(actor, "album.rename") as call:
            require(actor, Permission.MANAGE_ALBUMS)
            album = await find_album(call.session, actor, ref)
            call.on("album", album.id, album.name)
            if name != album.name:
                taken = await call.session.scalar(
                    select(Album.id).where(
                        Album.tenant_id == actor.tenant_id, Album.name == name, Album.id != album.id
                    )
                )
                if taken:
                    raise Conflict(f"An album named {name!r} already exists in this studio.")
                call.detail.update({"from": album.name, "to": name})
                album.name = name
                album.updated_at = utcnow()
                call.emit(Change.ALBUM_CHANGED, name=name)
                call.command("album.rename", album=album.id, name=name)
            return await summarise(call.session, album)

    async def move_to_trash(self, actor: Actor, ref: str | uuid.UUID) -> AlbumSummary:
        """Out of the studio's sight (and its links stop working) until put back or emptied."""
        async with self.ctx.call(actor, "album.trash") as call:
            require(actor, Permission.MANAGE_ALBUMS)
            album = await find_album(call.session, actor, ref)
            call.on("album", album.id, album.name)
            album.trashed_at = utcnow()
            call.emit(Change.ALBUM_TRASHED)
            call.command("album.trash", album=album.id)
            return await summarise(call.session, album)

    async def put_back(self, actor: Actor, ref: str | uuid.UUID) -> AlbumSummary:
        async with self.ctx.call(actor, "album.restore") as call:
            require(actor, Permission.MANAGE_ALBUMS)
            album = await find_album(call.session, actor, ref, in_trash=True)
            call.on("album", album.id, album.name)
            album.trashed_at = None
            call.emit(Change.ALBUM_RESTORED)
            call.command("album.restore", album=album.id)
            return await summarise(call.session, album)

    async def in_trash(self, actor: Actor) -> list[tuple[uuid.UUID, str, datetime]]:
        """The albums in the studio's trash: id, name, when they were put there, newest first."""
        async with self.ctx.call(actor, "album.trash_list", audit=False, read=True) as call:
            require(actor, Permission.VIEW_ALBUMS)
            rows = await call.session.execute(
                select(Album.id, Album.name, Album.trashed_at)
                .where(Album.tenant_id == actor.tenant_id, Album.trashed_at.is_not(None))
                .order_by(Album.trashed_at.desc())
            )
            return [(i, n, at) for i, n, at in rows]

    async def empty_trash(self, actor: Actor) -> int:
        """Delete the trashed albums for good: their photos, what clients said, their files."""
        async with self.ctx.call(actor, "album.empty_trash") as call:
            require(actor, Permission.MANAGE_STUDIO)
            ids = list(
                await call.session.scalars(
                    select(Album.id).where(
                        Album.tenant_id == actor.tenant_id, Album.trashed_at.is_not(None)
                    )
                )
            )
            if ids:
                await call.session.execute(delete(Album).where(Album.id.in_(ids)))
            call.detail["albums"] = [str(i) for i in ids]
            for album_id in ids:
                call.album_id = album_id
                call.emit(Change.ALBUM_DELETED)
        # After the commit: a crash between leaves files nobody lists, never rows without files.
        from core.services.contact_sheets import ContactSheets  # not for `album show`

        library, sheets = self.ctx.home.library, ContactSheets(self.ctx.home.contact_sheets)
        for album_id in ids:
            await asyncio.to_thread(shutil.rmtree, album_folder(library, album_id), True)
            sheets.forget(album_id)
        return len(ids)

    async def set_limits(
        self, actor: Actor, ref: str | uuid.UUID, min_select: int | None, max_select: int | None
    ) -> AlbumSummary:
        _check_limits(min_select, max_select)
        async with self.ctx.call(actor, "album.set_limits") as call:
            require(actor, Permission.MANAGE_ALBUMS)
            album = await find_album(call.session, actor, ref)
            call.on("album", album.id, album.name)
            album.min_select, album.max_select = min_select, max_select
            call.detail.update(min_select=min_select, max_select=max_select)
            call.emit(Change.ALBUM_CHANGED, min_select=min_select, max_select=max_select)
            call.command(
                "album.set_limits", album=album.id, min_select=min_select, max_select=max_select
            )
            return await summarise(call.session, album)

    async def advance(
        self, actor: Actor, ref: str | uuid.UUID, to: Stage | None = None
    ) -> AlbumSummary:
        """Forward to the next stage (or `to`), or Feedback -> Retouch for a new round."""
        async with self.ctx.call(actor, "album.advance") as call:
            album = await find_album(call.session, actor, ref)
            call.on("album", album.id, album.name)
            source = Stage(album.stage)
            backward = to is not None and to.index < source.index
            require(actor, Permission.ADD_RETOUCHES if backward else Permission.MANAGE_ALBUMS)
            if backward and not (source is Stage.FEEDBACK and to is Stage.RETOUCH):
                raise Refused(
                    "This move needs an admin's reopen.",
                    [
                        Refusal(
                            "move.backward_needs_reopen",
                            f"Moving back from {source.title} to {to.title} is a reopen: an admin "
                            "must give a reason (album reopen).",
                        )
                    ],
                )
            return await self._move(call, actor, album, to, reason=None)

    async def reopen(
        self, actor: Actor, ref: str | uuid.UUID, to: Stage, reason: str
    ) -> AlbumSummary:
        async with self.ctx.call(actor, "album.reopen") as call:
            album = await find_album(call.session, actor, ref)
            call.on("album", album.id, album.name)
            require(actor, Permission.REOPEN_AND_APPROVE)
            if to.index >= Stage(album.stage).index:
                raise Invalid(f"Reopen moves an album back; it is in {Stage(album.stage).title}.")
            if not reason.strip():
                raise Invalid("Reopening an album needs a reason.")
            call.detail["reason"] = reason.strip()
            return await self._move(call, actor, album, to, reason=reason.strip())

    async def _move(
        self, call: Call, actor: Actor, album: Album, to: Stage | None, reason: str | None
    ) -> AlbumSummary:
        source = Stage(album.stage)
        target = to or next_stage(source) or source
        stages = ORDER[source.index : max(target.index, source.index + 1)] if target else ()
        facts = await gather_facts(call.session, album, stages)
        settings = await studio_settings(call.session, album.tenant_id)
        rules = settings.rules(album.min_select, album.max_select)
        plan = plan_move(facts, to, rules, is_admin=actor.is_admin, reason=reason)
        call.detail.update({"from": source.value, "to": target.value})
        if not isinstance(plan, Move):
            raise Refused(
                f"{album.name} cannot move from {source.title} to {target.title} yet.", plan
            )
        album.stage = plan.target.value
        album.round = plan.round
        album.updated_at = utcnow()
        call.detail.update({"kind": plan.kind.value, "round": plan.round})
        if plan.kind is MoveKind.NEW_ROUND:
            call.detail["new_round"] = plan.round
        call.emit(
            Change.ALBUM_STAGE, stage=plan.target.value, round=plan.round, move=plan.kind.value
        )
        if plan.target is Stage.FINAL and REPLAYING.get() is None:
            # Finals are made where the files are, on the desktop that moved the album; a
            # studio server replaying the move has no file to make them from.
            await self._open_delivery(call, album)
        # Replayed with the stage it reached here, so that a move someone else made first on
        # the server is refused (and told), not repeated one stage further.
        if reason is None:
            call.command("album.advance", album=album.id, to=plan.target.value)
        else:
            call.command("album.reopen", album=album.id, to=plan.target.value, reason=reason)
        await call.session.flush()
        return await summarise(call.session, album)

    @staticmethod
    async def _open_delivery(call: Call, album: Album) -> None:
        """Reaching Final opens the album's delivery job, in this same transaction: the album
        shows as delivering at once, and whoever runs the job (the desktop, `photoflow album
        deliver`) finds it even after a kill."""
        # Here, not at the top: reading an album (`album show`) loads no delivery tables.
        from core.services.delivery_jobs import (
            album_presets,
            close_deliveries,
            delivery_sources,
            open_delivery,
        )

        presets = await album_presets(call.session, album)
        sources = await delivery_sources(call.session, album)
        await close_deliveries(
            call.session, album.id, "The album was reopened and delivered again."
        )
        job = open_delivery(album, presets, len(sources))
        call.session.add(job)
        call.detail["delivery"] = {"presets": job.presets, "total": job.total}
        call.emit(Change.ALBUM_DELIVERY, state=job.state, done=0, total=job.total)

    async def open_failures(self, actor: Actor, ref: str | uuid.UUID) -> list[OpenFailure]:
        """The album's import failures nobody has dealt with yet, oldest first."""
        async with self.ctx.call(actor, "album.failures", audit=False, read=True) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, ref)
            rows = await call.session.execute(
                select(IngestFailure.source_path, IngestFailure.reason, IngestFailure.created_at)
                .where(IngestFailure.album_id == album.id, IngestFailure.resolved_at.is_(None))
                .order_by(IngestFailure.created_at, IngestFailure.source_path)
            )
            return [OpenFailure(path, reason, at) for path, reason, at in rows]

    async def resolve_failures(self, actor: Actor, ref: str | uuid.UUID, note: str) -> int:
        """Mark the album's import failures as dealt with (the photographer checked them)."""
        async with self.ctx.call(actor, "album.resolve_failures") as call:
            require(actor, Permission.MANAGE_ALBUMS)
            album = await find_album(call.session, actor, ref)
            call.on("album", album.id, album.name)
            failures = (
                await call.session.scalars(
                    select(IngestFailure).where(
                        IngestFailure.album_id == album.id, IngestFailure.resolved_at.is_(None)
                    )
                )
            ).all()
            now = utcnow()
            for failure in failures:
                failure.resolved_at = now
                failure.resolution = note.strip() or "dismissed"
            call.detail["resolved"] = len(failures)
            if failures:
                call.emit(Change.ALBUM_FAILURES, resolved=len(failures))
            return len(failures)
