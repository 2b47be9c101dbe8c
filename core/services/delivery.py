"""Delivery: the studio's export presets, an album's choice of them, and the job that makes the
album's finals in the library's `final/` folder once it is Final.

Finals are made, never imported: moving Feedback -> Final opens a delivery job (in the move's
transaction); `deliver` makes what is left of it in the imaging pool's processes, each final
written whole (temp file, fsync, rename) and recorded in its own transaction, so a killed job
carries on where it stopped when the desktop starts again or `photoflow album deliver` runs.
`deliver` on an album whose job is done starts a new one (other presets, or the same again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.catalog import Album, Delivery, Final, Tenant
from core.catalog.base import utcnow
from core.changes import Change
from core.errors import Conflict, Invalid, NotFound
from core.finals.presets import ExportPreset
from core.fsutil import sweep_temp_files
from core.ingest.library import album_folder
from core.policies import Actor, Permission, require
from core.services.albums import find_album
from core.services.context import ServiceContext
from core.services.delivery_jobs import (
    Source,
    album_presets,
    close_deliveries,
    delivery_sources,
    latest_delivery,
    open_delivery,
    pick,
    runner_gone,
    studio_presets,
    this_runner,
)
from core.services.imports import WorkerPool
from core.services.sync_rows import NOT_HERE
from core.settings import StudioSettings
from core.workflow import Stage

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class FinalView:
    photo_id: uuid.UUID
    preset: str
    filename: str
    path: Path  # absolute
    size_bytes: int
    width: int
    height: int
    crc32: int | None = None  # as made, good while the file's mtime is `file_mtime_ns`
    file_mtime_ns: int | None = None


@dataclass(frozen=True)
class DeliveryView:
    """How an album's delivery stands. `state` is None when none was ever made."""

    album_id: uuid.UUID
    state: str | None  # delivering | done | failed
    done: int = 0
    total: int = 0
    problem: str | None = None
    presets: tuple[str, ...] = ()
    started_at: datetime | None = None
    finished_at: datetime | None = None
    album_name: str = ""
    stalled: bool = False  # delivering, but no process is making it any more (killed)

    @property
    def delivering(self) -> bool:
        return self.state == "delivering"


@dataclass(frozen=True)
class _Task:
    source: Source
    preset: ExportPreset
    filename: str
    library_path: str


def _view(album_id: uuid.UUID, job: Delivery | None, album_name: str = "") -> DeliveryView:
    if job is None:
        return DeliveryView(album_id, None, album_name=album_name)
    return DeliveryView(
        album_id,
        job.state,
        job.done,
        job.total,
        job.problem,
        tuple(job.presets or ()),
        job.started_at,
        job.finished_at,
        album_name,
        job.state == "delivering" and runner_gone(job.runner),
    )


class DeliveryService:
    def __init__(self, ctx: ServiceContext, pool: WorkerPool) -> None:
        self.ctx = ctx
        self.pool = pool
        self._running: dict[uuid.UUID, asyncio.Future[DeliveryView]] = {}

    # --- presets -----------------------------------------------------------------------------

    async def presets(self, actor: Actor) -> list[ExportPreset]:
        async with self.ctx.call(actor, "preset.list", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            return await studio_presets(call.session, actor.tenant_id)

    async def save_preset(
        self, actor: Actor, preset: ExportPreset | dict[str, Any], *, replacing: str | None = None
    ) -> ExportPreset:
        """Add a preset, or change the one named `replacing` (else the one of the same name)."""
        new = ExportPreset.from_dict(preset) if isinstance(preset, dict) else preset.validated()
        async with self.ctx.call(actor, "preset.save") as call:
            require(actor, Permission.MANAGE_STUDIO)
            tenant = await call.session.get(Tenant, actor.tenant_id)
            call.on("tenant", tenant.id, new.name)
            presets = await studio_presets(call.session, actor.tenant_id)
            old = (replacing or new.name).lower()
            kept = [p for p in presets if p.name.lower() != old]
            index = next((i for i, p in enumerate(presets) if p.name.lower() == old), len(kept))
            if any(p.name.lower() == new.name.lower() for p in kept):
                raise Conflict(f"An export preset named {new.name!r} already exists.")
            kept.insert(index, new)
            self._store(tenant, kept)
            call.detail["preset"] = new.to_dict()
            call.emit(Change.STUDIO_SETTINGS, changed=["export_presets"])
            # The studio server keeps the presets too: its portal sends finals by them.
            call.command("preset.save", preset=new.to_dict(), replacing=replacing)
            return new

    async def delete_preset(self, actor: Actor, name: str) -> None:
        async with self.ctx.call(actor, "preset.delete") as call:
            require(actor, Permission.MANAGE_STUDIO)
            tenant = await call.session.get(Tenant, actor.tenant_id)
            call.on("tenant", tenant.id, name)
            presets = await studio_presets(call.session, actor.tenant_id)
            kept = [p for p in presets if p.name.lower() != name.strip().lower()]
            if len(kept) == len(presets):
                raise NotFound(f"No export preset named {name!r}.")
            if not kept:
                raise Invalid("A studio keeps at least one export preset; add another first.")
            self._store(tenant, kept)
            call.emit(Change.STUDIO_SETTINGS, changed=["export_presets"])
            call.command("preset.delete", name=name)

    @staticmethod
    def _store(tenant: Tenant, presets: list[ExportPreset]) -> None:
        settings = StudioSettings.from_dict(tenant.settings)
        tenant.settings = settings.updated(export_presets=[p.to_dict() for p in presets]).to_dict()

    async def choose_presets(
        self, actor: Actor, album_ref: str | uuid.UUID, names: Sequence[str] | None
    ) -> list[ExportPreset]:
        """The presets the album's finals are made through (None: all of the studio's)."""
        async with self.ctx.call(actor, "album.presets") as call:
            require(actor, Permission.MANAGE_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            call.on("album", album.id, album.name)
            chosen = pick(await studio_presets(call.session, actor.tenant_id), _names(names))
            if names is not None and not chosen:
                raise Invalid("Choose at least one export preset for the album.")
            album.presets = None if names is None else [p.name for p in chosen]
            call.detail["presets"] = album.presets
            call.emit(Change.ALBUM_CHANGED, presets=album.presets)
            call.command("album.presets", album=str(album.id), presets=album.presets)
            return chosen

    async def album_presets(self, actor: Actor, album_ref: str | uuid.UUID) -> list[ExportPreset]:
        async with self.ctx.call(actor, "album.presets_read", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            return await album_presets(call.session, album)

    # --- finals --------------------------------------------------------------------------------

    async def finals(self, actor: Actor, album_ref: str | uuid.UUID) -> list[FinalView]:
        """The album's finals through its current presets (a dropped or renamed preset's old
        finals are not the album's any more), by preset then name."""
        async with self.ctx.call(actor, "album.finals", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            current = [p.name for p in await album_presets(call.session, album)]
            rows = await call.session.scalars(
                select(Final)
                .where(
                    Final.album_id == album.id,
                    Final.preset.in_(current),
                    Final.library_path != NOT_HERE,  # made on another desktop: not here
                )
                .order_by(Final.preset, Final.filename)
            )
            library = self.ctx.home.library
            return [
                FinalView(
                    f.photo_id,
                    f.preset,
                    f.filename,
                    library / f.library_path,
                    f.size_bytes,
                    f.width,
                    f.height,
                    f.crc32,
                    f.file_mtime_ns,
                )
                for f in rows
            ]

    async def progress(self, actor: Actor, album_ref: str | uuid.UUID) -> DeliveryView:
        async with self.ctx.call(actor, "album.delivery", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            return _view(album.id, await latest_delivery(call.session, album.id), album.name)

    async def unfinished(self, actor: Actor) -> list[DeliveryView]:
        """Deliveries of the studio still under way; a desktop carries on the `stalled` ones (no
        process is making them any more) at start-up."""
        async with self.ctx.call(actor, "album.deliveries", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            rows = await call.session.execute(
                select(Delivery, Album.name)
                .join(Album, Album.id == Delivery.album_id)
                .where(
                    Delivery.tenant_id == actor.tenant_id,
                    Delivery.state == "delivering",
                    Album.trashed_at.is_(None),
                )
                .order_by(Delivery.started_at)
            )
            return [_view(job.album_id, job, name) for job, name in rows]

    async def deliver(
        self,
        actor: Actor,
        album_ref: str | uuid.UUID,
        presets: Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> DeliveryView:
        """Make the album's finals: carry on its unfinished delivery, or (when the last one is
        done or failed, or other presets are asked for) deliver again. Returns how it ended."""
        running: asyncio.Future[DeliveryView] = asyncio.get_running_loop().create_future()
        try:
            job_id, tasks, done, total, album_id = await self._claim(
                actor, album_ref, presets, running
            )
            view = await self._make(actor, album_id, job_id, tasks, done, total, progress)
            running.set_result(view)
            return view
        except BaseException as exc:
            running.set_exception(exc)
            running.exception()  # read: nobody need wait on it
            raise
        finally:  # the album _claim reserved for this call, if it got that far
            for key in [k for k, v in self._running.items() if v is running]:
                del self._running[key]

    async def _claim(
        self,
        actor: Actor,
        album_ref: str | uuid.UUID,
        names: Sequence[str] | None,
        running: asyncio.Future[DeliveryView],
    ) -> tuple[uuid.UUID, list[_Task], int, int, uuid.UUID]:
        async with self.ctx.call(actor, "album.deliver") as call:
            require(actor, Permission.MANAGE_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            call.on("album", album.id, album.name)
            if Stage(album.stage) is not Stage.FINAL:
                raise Invalid(
                    f"{album.name} is in {Stage(album.stage).title}; its finals are made once "
                    "it moves to Final."
                )
            if album.id in self._running:
                raise Conflict(f"{album.name} is being delivered already.")
            self._running[album.id] = running  # reserved before any other await: one at a time
            chosen = (
                pick(await studio_presets(call.session, actor.tenant_id), _names(names))
                if names
                else None
            )
            job = await latest_delivery(call.session, album.id)
            carry_on = (
                job is not None
                and job.state == "delivering"
                and (chosen is None or [p.name for p in chosen] == list(job.presets))
            )
            ours = job is not None and job.runner == this_runner()  # cancelled here before
            if (
                job is not None
                and job.state == "delivering"
                and not (ours or runner_gone(job.runner))
            ):
                raise Conflict(
                    f"{album.name} is being delivered by another PhotoFlow ({job.runner})."
                )
            sources = await delivery_sources(call.session, album)
            if carry_on:
                assert job is not None
                every = await studio_presets(call.session, actor.tenant_id)
                chosen = [p for p in every if p.name in set(job.presets)]
            else:
                await close_deliveries(call.session, album.id, "Replaced by a new delivery.")
                chosen = chosen if chosen is not None else await album_presets(call.session, album)
                job = open_delivery(album, chosen, len(sources))
                call.session.add(job)
            assert job is not None
            job.runner = this_runner()
            job.total = len(sources) * len(chosen)
            made = set(
                (
                    await call.session.execute(
                        select(Final.photo_id, Final.preset).where(
                            Final.album_id == album.id, Final.made_at >= job.started_at
                        )
                    )
                ).all()
                if carry_on
                else ()
            )
            tasks = []
            for preset in chosen:
                for source in sources:
                    if (source.photo_id, preset.name) in made:
                        continue
                    name = preset.filename(
                        album=album.name,
                        seq=source.seq,
                        stem=source.stem,
                        date=source.taken,
                        client=album.client_name,
                    )
                    # On disk by photo, whatever the template says: two photos' finals never
                    # share a file; the template's name is what clients and exports see.
                    path = f"{album.id}/final/{preset.folder}/{source.photo_id}{preset.extension}"
                    tasks.append(_Task(source, preset, name, path))
            job.done = job.total - len(tasks)
            call.detail.update(
                presets=list(job.presets), total=job.total, left=len(tasks), carry_on=carry_on
            )
            call.emit(Change.ALBUM_DELIVERY, state=job.state, done=job.done, total=job.total)
            await call.session.flush()
            return job.id, tasks, job.done, job.total, album.id

    async def _make(
        self,
        actor: Actor,
        album_id: uuid.UUID,
        job_id: uuid.UUID,
        tasks: list[_Task],
        done: int,
        total: int,
        progress: Progress | None,
    ) -> DeliveryView:
        from core.finals.making import CannotMake, make_final

        library = self.ctx.home.library
        loop = asyncio.get_running_loop()
        watermark = await self._watermark_text(actor)
        # What a killed delivery left half-written (its temp files) goes first.
        await asyncio.to_thread(sweep_temp_files, album_folder(library, album_id) / "final")
        problems: list[str] = []
        if progress is not None:
            progress(done, total)
        limit = asyncio.Semaphore(max(1, self.pool.workers))
        # One record at a time: each bumps the job's count, and two at once would clash on its
        # row version (PostgreSQL) instead of queueing.
        recording = asyncio.Lock()

        async def one(task: _Task) -> None:
            nonlocal done
            async with limit:
                if task.source.library_path is None:
                    problems.append(f"{task.source.filename} has no file to make a final from")
                    return
                try:
                    made = await loop.run_in_executor(
                        self.pool.executor(),
                        make_final,
                        str(library / task.source.library_path),
                        str(library / task.library_path),
                        task.preset.to_dict(),
                        watermark,
                    )
                except CannotMake as exc:
                    problems.append(str(exc))
                    return
                except Exception:  # e.g. the pool's worker died: the job ends as failed, told
                    log.exception("making a final of %s failed", task.source.filename)
                    problems.append(f"{task.source.filename}: an error in PhotoFlow (see the log)")
                    return
            async with recording:  # the worker is free for the next final meanwhile
                done = await self._record(actor, job_id, task, made)
            if progress is not None:
                progress(done, total)

        workers = [asyncio.ensure_future(one(t)) for t in tasks]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for w in workers:
                w.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.gather(*workers, return_exceptions=True)
            raise
        return await self._finish(actor, job_id, problems)

    async def _watermark_text(self, actor: Actor) -> str | None:
        async with self.ctx.call(actor, "settings.read", audit=False) as call:
            tenant = await call.session.get(Tenant, actor.tenant_id)
            if tenant is None:
                return None
            return StudioSettings.from_dict(tenant.settings).watermark_text.strip() or tenant.name

    async def _record(self, actor: Actor, job_id: uuid.UUID, task: _Task, made: Any) -> int:
        """One final in the catalog, in its own transaction: the delivery goes on from here."""
        stale: Path | None = None
        async with self.ctx.call(actor, "album.final", audit=False) as call:
            job = await call.session.get(Delivery, job_id)
            if job is None:
                raise NotFound("The delivery is gone (its album was deleted).")
            call.album_id = job.album_id
            final = await call.session.scalar(
                select(Final).where(
                    Final.photo_id == task.source.photo_id, Final.preset == task.preset.name
                )
            )
            if final is None:
                final = Final(
                    tenant_id=job.tenant_id,
                    album_id=job.album_id,
                    photo_id=task.source.photo_id,
                    preset=task.preset.name,
                )
                call.session.add(final)
            elif (
                final.library_path != NOT_HERE  # known from the server, its file elsewhere
                and final.library_path != task.library_path
            ) and not await call.session.scalar(
                select(Final.id).where(
                    Final.library_path == final.library_path, Final.id != final.id
                )
            ):  # its old file, unless another final has taken that path since
                stale = self.ctx.home.library / final.library_path
            final.filename = task.filename
            final.library_path = task.library_path
            final.content_hash = made.content_hash
            final.size_bytes = made.size_bytes
            final.width, final.height = made.width, made.height
            final.crc32, final.file_mtime_ns = made.crc32, made.mtime_ns
            final.made_at = utcnow()
            job.done = min(job.total, job.done + 1)
            call.emit(
                Change.ALBUM_DELIVERY,
                photo_id=task.source.photo_id,
                state=job.state,
                done=job.done,
                total=job.total,
            )
            done = job.done
        if stale is not None:  # a renamed final: the old file goes once the new one is known
            stale.unlink(missing_ok=True)
        return done

    async def _finish(self, actor: Actor, job_id: uuid.UUID, problems: list[str]) -> DeliveryView:
        async with self.ctx.call(actor, "album.delivered") as call:
            job = await call.session.get(Delivery, job_id)
            if job is None:
                raise NotFound("The delivery is gone (its album was deleted).")
            album = await call.session.get(Album, job.album_id)
            call.on("album", job.album_id, album.name if album else None)
            job.state = "failed" if problems else "done"
            job.finished_at = utcnow()
            job.runner = None
            if problems:
                more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
                n = len(problems)
                job.problem = (
                    f"{n} final{'s' if n != 1 else ''} could not be made: "
                    + "; ".join(problems[:3])
                    + more
                )[:2000]
            call.detail.update(state=job.state, done=job.done, total=job.total)
            call.emit(
                Change.ALBUM_DELIVERY,
                state=job.state,
                done=job.done,
                total=job.total,
                gallery_changed=True,  # the finals are in: open galleries show and send them
            )
            return _view(job.album_id, job, album.name if album else "")


def _names(names: Sequence[str] | None) -> list[str] | None:
    if names is None:
        return None
    if isinstance(names, str):
        names = [names]
    return [n for n in (str(x).strip() for x in names) if n]


__all__ = ["DeliveryService", "DeliveryView", "FinalView"]
