"""Bring files into an album: originals become photos; later versions find their photo by stem.

Files that finish together enter the catalog in one service call (one transaction, one audit
event), after their library copies are fsynced and renamed in; so a kill -9 loses at most the batch in
flight, and running the same import again finishes the job: what is already in the album is reported
as a duplicate, never copied twice.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import Executor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, Photo, PhotoVersion
from core.changes import Change
from core.errors import Invalid
from core.fsutil import sweep_temp_files
from core.ingest.library import album_folder, destination, discard, place
from core.ingest.matching import match_stem, stem_of, unique_stem
from core.ingest.scan import expand
from core.policies import Actor, Permission, require
from core.services.albums import find_album
from core.services.context import Call, ServiceContext
from core.services.import_previews import PreviewPass, left_without_previews
from core.services.import_state import (
    AlbumState,
    AwaitingPreviews,
    ImportFailure,
    ImportProgress,
    ImportReport,
    Planned,
    ProgressSink,
    note_failure,
    resolve_failure,
)
from core.services.photos import LABELS, parse_label
from core.services.shared_versions import enter_versions
from core.services.sync_rows import NOT_HERE, version_row
from core.workflow import Stage

if TYPE_CHECKING:
    from core.ingest.worker import Prepared

# The imaging stack (Pillow, LibRaw, the worker module) is imported where files are worked on,
# not here: every command builds this service, and most never import a file.

# Finals are not imported: they are made from the approved retouches through the album's export
# presets when it moves to Final (core/services/delivery.py).
KINDS = ("original", "stock", "retouched")


class WorkerPool(Protocol):
    """Where decoding and hashing run: a process pool the composition root builds, started on
    first use (a command that imports nothing never starts one)."""

    workers: int

    def executor(self) -> Executor: ...

    def close(self) -> None: ...


class ImportService:
    def __init__(self, ctx: ServiceContext, pool: WorkerPool) -> None:
        self.ctx = ctx
        self.pool = pool
        self.previews = PreviewPass(ctx, lambda: self.executor)
        # One import at a time per process: a second card waits for the first instead of both
        # planning names from the same snapshot of the album.
        self._one_at_a_time = asyncio.Lock()

    @property
    def executor(self) -> Executor:
        return self.pool.executor()

    async def warm(self) -> None:
        """Start the worker processes now (the desktop does this at start-up), so that the first
        import does not wait for them."""
        from core.ingest.worker import worker_ready

        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self.executor, worker_ready) for _ in range(self.pool.workers))
        )

    def close(self) -> None:
        self.pool.close()

    async def run(
        self,
        actor: Actor,
        album_ref: str | uuid.UUID,
        paths: Sequence[Path | str],
        kind: str = "original",
        progress: ProgressSink | None = None,
    ) -> ImportReport:
        if kind == "final":
            raise Invalid(
                "Finals are not imported: PhotoFlow makes them from the approved retouches "
                "through the album's export presets when it moves to Final "
                "(photoflow album deliver makes them again)."
            )
        if kind not in KINDS:
            raise Invalid(f"Import as one of {', '.join(KINDS)}; not {kind!r}.")
        async with self._one_at_a_time:
            return await self._run(actor, album_ref, paths, kind, progress)

    async def _run(
        self,
        actor: Actor,
        album_ref: str | uuid.UUID,
        paths: Sequence[Path | str],
        kind: str,
        progress: ProgressSink | None,
    ) -> ImportReport:
        missing = [str(p) for p in paths if not Path(p).exists()]
        files = list(expand(Path(p) for p in paths if Path(p).exists()))
        state = await self._begin(actor, album_ref, kind, len(files), missing)
        report = ImportReport(state.album_id, kind)
        for path in missing:
            report.failed.append(ImportFailure(path, "no such file or folder"))
        sizes = {f: _size(f) for f in files}
        total_bytes = sum(sizes.values())
        started = time.perf_counter()
        done = bytes_done = 0
        loop = asyncio.get_running_loop()
        window = asyncio.Semaphore(max(2, 2 * (os.cpu_count() or 2)))

        previews = str(self.ctx.home.previews)
        from core.ingest.worker import prepare_file

        async def prepare(path: Path) -> Prepared:
            async with window:
                dest = destination(
                    self.ctx.home.library, state.album_id, kind, state.round, path.name
                )
                return await loop.run_in_executor(
                    self.executor, prepare_file, str(path), str(dest), previews
                )

        def tell(phase: str, done: int, total: int, bytes_done: int, current: str) -> None:
            if progress is not None:
                progress(
                    ImportProgress(
                        done,
                        total,
                        bytes_done,
                        total_bytes if phase == "copying" else 0,
                        time.perf_counter() - started,
                        current,
                        len(report.imported),
                        len(report.duplicates),
                        len(report.failed),
                        phase,
                    )
                )

        # Workers finish in any order; whatever has finished while the last batch was being
        # committed goes into the next batch. (No asyncio.wait over every file: that re-arms a
        # callback on each pending file per batch, quadratic on a 2,000-file card.)
        finished: asyncio.Queue[Prepared | BaseException] = asyncio.Queue()

        async def one(path: Path) -> None:
            try:
                finished.put_nowait(await prepare(path))
            except BaseException as exc:  # handed to the consumer, which re-raises it
                finished.put_nowait(exc)

        feed = [asyncio.ensure_future(one(f)) for f in files]
        try:
            while done < len(files):
                items = [await finished.get()]
                while not finished.empty():
                    items.append(finished.get_nowait())
                batch: list[Planned] = []
                for item in items:
                    if isinstance(item, BaseException):
                        raise item
                    planned = await self._plan(actor, state, kind, item, report)
                    if planned is not None:
                        batch.append(planned)
                if batch:
                    await self._commit_batch(actor, state, kind, batch, report)
                for item in items:
                    done += 1
                    bytes_done += sizes.get(Path(item.source), 0)  # type: ignore[union-attr]
                    tell("copying", done, len(files), bytes_done, item.source)  # type: ignore[union-attr]
        finally:
            for task in feed:
                task.cancel()
        await self.previews.render(actor, state, report, tell)
        return report

    async def finish_previews(self, actor: Actor) -> int:
        """Make the previews imports left unmade (the app was closed or killed during their
        preview passes), in every album of the studio that has some; the desktop runs this at
        start-up. Returns how many files it went through.

        Only the look-up waits for an import running now; the previews are made beside it (a card
        put in meanwhile must not wait for a whole album's loupe previews)."""
        async with (
            self._one_at_a_time,
            self.ctx.call(actor, "album.previews_unfinished", audit=False) as call,
        ):
            albums = (
                await call.session.execute(
                    select(Album.id, Album.tenant_id, Album.name, Album.round)
                    .where(
                        Album.tenant_id == actor.tenant_id,
                        select(Photo.id)
                        .where(Photo.album_id == Album.id, Photo.previews_ready.is_(False))
                        .exists(),
                    )
                    .order_by(Album.name)
                )
            ).all()
            states = []
            for album_id, tenant_id, name, round_ in albums:
                state = AlbumState(album_id, tenant_id, name, round_, {}, set(), set())
                state.pending = await left_without_previews(call.session, album_id, self.ctx.home)
                states.append(state)
        for state in states:
            report = ImportReport(state.album_id, "original")
            await self.previews.render(actor, state, report, lambda *_: None)
        return sum(len(state.pending) for state in states)

    async def stream(
        self,
        actor: Actor,
        album_ref: str | uuid.UUID,
        paths: Sequence[Path | str],
        kind: str = "original",
    ) -> AsyncIterator[ImportProgress | ImportReport]:
        """The same import as `run`, as an async stream: progress as it happens, the report last."""
        queue: asyncio.Queue[ImportProgress] = asyncio.Queue()
        task = asyncio.ensure_future(self.run(actor, album_ref, paths, kind, queue.put_nowait))
        try:
            while not task.done():
                get = asyncio.ensure_future(queue.get())
                await asyncio.wait({get, task}, return_when=asyncio.FIRST_COMPLETED)
                if get.done():
                    yield get.result()
                else:
                    get.cancel()
            while not queue.empty():
                yield queue.get_nowait()
            yield task.result()
        finally:
            task.cancel()

    async def _begin(
        self, actor: Actor, album_ref: str | uuid.UUID, kind: str, n: int, missing: list[str]
    ) -> AlbumState:
        async with self.ctx.call(actor, "album.import") as call:
            require(
                actor,
                Permission.ADD_RETOUCHES if kind == "retouched" else Permission.MANAGE_ALBUMS,
            )
            album = await find_album(call.session, actor, album_ref)
            call.on("album", album.id, album.name)
            call.detail.update(kind=kind, files=n, missing=missing[:20])
            stage = Stage(album.stage)
            if stage is Stage.FINAL:
                raise Invalid(f"{album.name} is final; an admin must reopen it before importing.")
            if kind == "retouched" and stage is not Stage.RETOUCH:
                raise Invalid(
                    f"Retouched versions are added in the Retouch stage; {album.name} is in "
                    f"{stage.title}."
                )
            sweep_temp_files(album_folder(self.ctx.home.library, album.id))
            rows = await call.session.execute(
                select(Photo.stem, Photo.id).where(Photo.album_id == album.id)
            )
            stems = {stem: pid for stem, pid in rows}
            # Versions whose files are on another machine do not count: the same file brought
            # in here fills their row in; another file with an original's stem is a new photo.
            with_original, hashes, elsewhere = set(), set(), {}
            for pid, kind, content_hash, path in await call.session.execute(
                select(
                    PhotoVersion.photo_id,
                    PhotoVersion.kind,
                    PhotoVersion.content_hash,
                    PhotoVersion.library_path,
                ).where(PhotoVersion.album_id == album.id)
            ):
                if path == NOT_HERE:
                    if kind == "original":
                        elsewhere[pid] = content_hash
                    continue
                hashes.add(content_hash)
                if kind == "original":
                    with_original.add(pid)
            state = AlbumState(
                album.id, album.tenant_id, album.name, album.round, stems, with_original, hashes
            )
            state.originals_elsewhere = elsewhere
            state.pending += await left_without_previews(call.session, album.id, self.ctx.home)
            return state

    async def _plan(
        self, actor: Actor, state: AlbumState, kind: str, prepared: Prepared, report: ImportReport
    ) -> Planned | None:
        """Decide where a prepared file goes; failures and duplicates are settled here."""
        source = prepared.source
        name = Path(source).name
        if prepared.staged is None:
            await self._record_failure(actor, state, source, prepared.reason or "unreadable")
            report.failed.append(ImportFailure(source, prepared.reason or "unreadable"))
            return None
        staged = prepared.staged
        if staged.content_hash in state.hashes:
            discard(staged)
            report.duplicates.append(source)
            await self._resolve_failures(actor, state, source, "imported earlier")
            return None
        stem = stem_of(name)
        new_photo = False
        if kind == "original":
            pid = state.stems.get(stem)
            elsewhere = state.originals_elsewhere.get(pid) if pid is not None else None
            if pid is not None and (
                pid in state.with_original or elsewhere not in (None, staged.content_hash)
            ):
                stem = unique_stem(stem, state.stems)
                pid = None
            if pid is None:
                pid, new_photo = uuid.uuid4(), True
        else:
            matched = match_stem(stem, state.stems)
            if matched is None:
                discard(staged)
                reason = f"no photo named like {Path(name).stem} in this album to attach it to"
                await self._record_failure(actor, state, source, reason)
                report.failed.append(ImportFailure(source, reason))
                return None
            pid = state.stems[matched]
        # Reserve the name and the content now, so that a later file of the same batch sees them.
        state.stems[stem] = pid
        state.hashes.add(staged.content_hash)
        if kind == "original":
            state.with_original.add(pid)
        return Planned(prepared, stem, pid, new_photo)

    async def _commit_batch(
        self,
        actor: Actor,
        state: AlbumState,
        kind: str,
        batch: list[Planned],
        report: ImportReport,
    ) -> None:
        """The files that finished together enter the catalog in one transaction: one fsync of
        the catalog for the lot instead of one per file. Their library copies are renamed into
        place first; if the process dies before the commit, the next run finds them there."""
        round_ = state.round if kind == "retouched" else 0
        added: list[tuple[uuid.UUID, str, str, str, uuid.UUID]] = []
        async with self.ctx.call(actor, "album.import_files") as call:
            call.on("album", state.album_id, state.name)
            call.tenant_id = state.tenant_id
            session = call.session
            for item in batch:
                added.append(await self._enter(session, call, actor, state, kind, round_, item))
            call.detail.update(
                kind=kind, round=round_, files=[Path(p.prepared.source).name for p in batch]
            )
            if kind == "original":
                # The catalog part of the import, for a studio server: the new photos' facts
                # and marks under the ids they got here (their files stay on this desktop).
                await session.flush()
                photos = await session.scalars(
                    select(Photo).where(Photo.id.in_([p.photo_id for p in batch]))
                )
                call.command(
                    "album.import_files",
                    album=state.album_id,
                    photos=[photo_facts(photo) for photo in photos],
                )
                versions = await session.scalars(
                    select(PhotoVersion).where(
                        PhotoVersion.photo_id.in_([p.photo_id for p in batch]),
                        PhotoVersion.kind == "original",
                    )
                )
                call.command(
                    "album.import_versions",
                    album=state.album_id,
                    versions=[version_row(v) for v in versions],
                )
        for version_id, library_path, content_hash, source, pid in added:
            state.pending.append(
                AwaitingPreviews(version_id, pid, library_path, content_hash, source)
            )
            report.imported.append(source)
            report.photo_ids.append(pid)

    async def _enter(
        self,
        session: AsyncSession,
        call: Call,
        actor: Actor,
        state: AlbumState,
        kind: str,
        round_: int,
        item: Planned,
    ) -> tuple[uuid.UUID, str, str, str, uuid.UUID]:
        prepared, staged, pid = item.prepared, item.prepared.staged, item.photo_id
        assert staged is not None
        source = prepared.source
        name = Path(source).name
        if item.new_photo:
            session.add(
                Photo(
                    id=pid,
                    tenant_id=state.tenant_id,
                    album_id=state.album_id,
                    stem=item.stem,
                    filename=name if item.stem == stem_of(name) else _renamed(name, item.stem),
                )
            )
            await session.flush()
        placed = place(
            staged, destination(self.ctx.home.library, state.album_id, kind, round_, name)
        )
        if kind == "original":
            photo = await session.get(Photo, pid)
            describe(photo, prepared, staged.content_hash)
            if prepared.sidecar:
                from core.ingest.worker import copy_sidecar

                copy_sidecar(prepared.sidecar, placed)
        version = await session.scalar(
            select(PhotoVersion).where(
                PhotoVersion.photo_id == pid,
                PhotoVersion.kind == kind,
                PhotoVersion.round == round_,
            )
        )
        if version is None:
            version = PhotoVersion(
                id=uuid.uuid4(),
                tenant_id=state.tenant_id,
                album_id=state.album_id,
                photo_id=pid,
                kind=kind,
                round=round_,
            )
            session.add(version)
        library_path = str(placed.relative_to(self.ctx.home.library))
        version.filename = name
        version.library_path = library_path
        version.content_hash = staged.content_hash
        version.size_bytes = staged.size_bytes
        version.is_raw = prepared.metadata is not None and prepared.metadata.kind == "raw"
        version.source_path = source
        version.added_by = actor.user_id
        if kind == "stock" or (kind == "original" and not version.is_raw):
            await session.execute(update(Photo).where(Photo.id == pid).values(has_stock=True))
        await resolve_failure(session, state.album_id, source, "imported")
        await session.flush()
        call.emit(Change.PHOTO_VERSION, photo_id=pid, kind=kind, round=round_, filename=name)
        return version.id, library_path, staged.content_hash, source, pid

    async def register(
        self, actor: Actor, album_ref: str | uuid.UUID, photos: Sequence[dict[str, Any]]
    ) -> int:
        """Photos a desktop imported, entered by their facts under the desktop's ids (their files
        stay there, their previews come up separately); the ones already here are left alone."""
        async with self.ctx.call(actor, "album.import_files") as call:
            require(actor, Permission.MANAGE_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            call.on("album", album.id, album.name)
            if Stage(album.stage) is Stage.FINAL:
                raise Invalid(f"{album.name} is final; an admin must reopen it before importing.")
            wanted = {_photo_id(p): p for p in photos}
            known = set(
                await call.session.scalars(select(Photo.id).where(Photo.id.in_(list(wanted))))
            )
            added = 0
            for pid, facts in wanted.items():
                if pid in known:
                    continue
                photo = Photo(id=pid, tenant_id=album.tenant_id, album_id=album.id)
                set_photo_facts(photo, facts)
                call.session.add(photo)
                call.emit(
                    Change.PHOTO_VERSION,
                    photo_id=pid,
                    kind="original",
                    round=0,
                    filename=photo.filename,
                )
                added += 1
            call.detail.update(kind="original", files=[p.get("filename") for p in photos])
            return added

    async def register_versions(
        self, actor: Actor, album_ref: str | uuid.UUID, versions: Sequence[dict[str, Any]]
    ) -> int:
        """Versions a desktop imported (their facts; the files stay there), checked by the rules
        of an import; the ones known already are left alone."""
        async with self.ctx.call(actor, "album.import_versions") as call:
            album = await find_album(call.session, actor, album_ref)
            call.on("album", album.id, album.name)
            added = await enter_versions(call, album, versions)
            call.detail.update(
                kinds=sorted({str(v.get("kind")) for v in versions if isinstance(v, dict)}),
                files=[v.get("filename") for v in versions if isinstance(v, dict)][:50],
            )
            return added

    async def _record_failure(
        self, actor: Actor, state: AlbumState, source: str, reason: str
    ) -> None:
        async with self.ctx.call(actor, "photo.import_failed") as call:
            call.album_id, call.tenant_id = state.album_id, state.tenant_id
            call.on("file", None, source)
            call.detail["reason"] = reason
            await note_failure(call.session, state, source, reason)
            call.emit(Change.ALBUM_FAILURES, source=source, reason=reason)

    async def _resolve_failures(
        self, actor: Actor, state: AlbumState, source: str, how: str
    ) -> None:
        async with self.ctx.call(actor, "photo.import_duplicate", audit=False) as call:
            call.album_id, call.tenant_id = state.album_id, state.tenant_id
            if await resolve_failure(call.session, state.album_id, source, how):
                call.emit(Change.ALBUM_FAILURES, source=source, resolved=how)


FACTS = ("stem", "filename", "width", "height", "camera", "lens", "gps_lat", "gps_lon", "exif")
FACTS += ("preview_hash", "stars", "flag", "label", "has_stock")


def photo_facts(photo: Photo) -> dict[str, Any]:
    """What a studio server needs to know of a photo a desktop imported."""
    facts = {name: getattr(photo, name) for name in FACTS}
    facts["id"] = str(photo.id)
    facts["taken_at"] = photo.taken_at.isoformat() if photo.taken_at else None
    return facts


def _photo_id(facts: dict[str, Any]) -> uuid.UUID:
    try:
        return uuid.UUID(str(facts["id"]))
    except (KeyError, ValueError):
        raise Invalid("Each imported photo needs its id.") from None


def set_photo_facts(photo: Photo, facts: dict[str, Any]) -> None:
    """The inverse of photo_facts, checking what a desktop sent."""
    stem, filename = str(facts.get("stem") or ""), str(facts.get("filename") or "")
    if not stem or not filename or len(stem) > 255 or len(filename) > 255:
        raise Invalid("Each imported photo needs a file name of at most 255 characters.")
    stars = facts.get("stars") or 0
    if not isinstance(stars, int) or not 0 <= stars <= 5:
        raise Invalid("Stars go from 0 to 5.")
    if facts.get("flag") not in (None, "pick", "reject"):
        raise Invalid("A photo is picked, rejected or unflagged.")
    for name in FACTS:
        if name in facts:
            setattr(photo, name, facts[name])
    photo.stars = stars
    photo.label = parse_label(facts.get("label"))
    photo.exif = dict(facts.get("exif") or {})
    photo.has_stock = bool(facts.get("has_stock"))
    taken = facts.get("taken_at")
    try:
        photo.taken_at = datetime.fromisoformat(taken) if taken else None
    except (TypeError, ValueError):
        raise Invalid(f"{filename}: its capture time {taken!r} is not a date.") from None


def describe(photo: Photo, prepared: Prepared, content_hash: str) -> None:
    """Fill the photo's facts from its original: metadata, previews, and marks from a sidecar."""
    meta = prepared.metadata
    if meta is not None:
        photo.width, photo.height = meta.width, meta.height
        photo.taken_at = meta.taken_at
        photo.camera, photo.lens = meta.camera, meta.lens
        photo.gps_lat, photo.gps_lon = meta.gps_lat, meta.gps_lon
        photo.exif = {
            "kind": meta.kind,
            "make": meta.make,
            "model": meta.model,
            "orientation": meta.orientation,
            "exposure_time": meta.exposure_time,
            "shutter_speed": meta.shutter_speed,
            "f_number": meta.f_number,
            "iso": meta.iso,
            "focal_length": meta.focal_length,
            "serial": meta.serial,
        }
    photo.preview_hash = content_hash
    photo.previews_ready = False  # the embedded preview until the second pass has run
    marks = prepared.marks
    if marks is not None:
        if marks.stars is not None:
            photo.stars = marks.stars
        if marks.rejected:
            photo.flag = "reject"
        photo.label = parse_label(marks.label) if marks.label in LABELS else photo.label


def _renamed(name: str, stem: str) -> str:
    suffix = Path(name).suffix
    base = Path(name).stem
    return f"{base}{stem[len(base) :]}{suffix}" if stem.startswith(base.lower()) else name


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
