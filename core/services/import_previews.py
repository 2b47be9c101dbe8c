"""The import's later passes: real previews for files already in the library, made in the
process pool, grid thumbnails first and loupe previews after; a file whose pixels cannot be
decoded leaves the album again, as a failure."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import TypeVar

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Feedback, Photo, PhotoVersion
from core.catalog.base import utcnow
from core.changes import Change
from core.events import Event
from core.home import Home
from core.imaging.xmp import sidecar_candidates
from core.policies import Actor
from core.services.context import ServiceContext
from core.services.import_state import (
    AlbumState,
    AwaitingPreviews,
    ImportFailure,
    ImportReport,
    note_failure,
)
from core.services.sync_rows import NOT_HERE, version_row

T = TypeVar("T")


class PreviewPass:
    def __init__(self, ctx: ServiceContext, executor: Callable[[], Executor]) -> None:
        self.ctx = ctx
        self.executor = executor

    async def render(
        self, actor: Actor, state: AlbumState, report: ImportReport, tell: Callable[..., None]
    ) -> None:
        """The real previews, for this import's files and any a killed run left: first every
        grid thumbnail (a big JPEG's costs a fraction of its loupe preview, so the whole shoot
        is sharp in the grid early), then the loupe previews still missing."""
        # The imaging stack is loaded by the passes that use it, not by every command's start.
        from core.ingest.worker import render_grid, render_loupe

        previews = str(self.ctx.home.previews)
        library = self.ctx.home.library
        loupe_later: list[AwaitingPreviews] = []
        grid = self._in_pool(render_grid, state.pending, library, previews)
        async for done, (item, (reason, loupe_pending)) in grid:
            if reason is not None:
                await self._withdraw(actor, state, item, reason, report)
            elif loupe_pending:
                loupe_later.append(item)
                self._tell_grid_ready(state, item)
            else:
                await self._ready(actor, state, item)
            tell("previews", done, len(state.pending), 0, item.source)
        async for done, (item, reason) in self._in_pool(
            render_loupe, loupe_later, library, previews
        ):
            if reason is None:
                await self._ready(actor, state, item)
            else:
                await self._withdraw(actor, state, item, reason, report)
            tell("loupe", done, len(loupe_later), 0, item.source)

    async def _in_pool(
        self,
        work: Callable[[str, str, str], T],
        items: list[AwaitingPreviews],
        library: Path,
        previews: str,
    ) -> AsyncIterator[tuple[int, tuple[AwaitingPreviews, T]]]:
        """Run ``work`` for every item in the process pool; yield (count, (item, result)) in
        the order they finish."""
        loop = asyncio.get_running_loop()

        async def one(item: AwaitingPreviews) -> tuple[AwaitingPreviews, T]:
            result = await loop.run_in_executor(
                self.executor(), work, str(library / item.library_path), previews, item.content_hash
            )
            return item, result

        tasks = [asyncio.ensure_future(one(item)) for item in items]
        try:
            for done, next_done in enumerate(asyncio.as_completed(tasks), 1):
                yield done, await next_done
        finally:
            for task in tasks:
                task.cancel()

    def _tell_grid_ready(self, state: AlbumState, item: AwaitingPreviews) -> None:
        """The grid can show the real thumbnail now (nothing in the catalog changes yet)."""
        self.ctx.events.publish(
            Event(
                Change.PHOTO_PREVIEWS,
                state.tenant_id,
                state.album_id,
                item.photo_id,
                {"grid": True},
            )
        )

    async def _ready(self, actor: Actor, state: AlbumState, item: AwaitingPreviews) -> None:
        async with self.ctx.call(actor, "photo.previews", audit=False) as call:
            call.album_id, call.tenant_id = state.album_id, state.tenant_id
            version = await call.session.get(PhotoVersion, item.version_id)
            if version is None:
                return
            if version.kind == "original":
                await call.session.execute(
                    update(Photo).where(Photo.id == version.photo_id).values(previews_ready=True)
                )
            if version.kind == "retouched":
                # A new round's retouch answers the client's change requests, but only once its
                # pixels are known to be good: a file cut short must not close a request.
                await call.session.execute(
                    update(Feedback)
                    .where(*requests_answered_by(version.photo_id, version.round))
                    .values(resolved_at=utcnow())
                )
            if version.kind != "original":  # originals went with their photos' facts
                # Its pixels are good: the studio server may know of it (the file stays here).
                call.command(
                    "album.import_versions", album=version.album_id, versions=[version_row(version)]
                )
            call.emit(Change.PHOTO_PREVIEWS, photo_id=version.photo_id, kind=version.kind)

    async def _withdraw(
        self,
        actor: Actor,
        state: AlbumState,
        item: AwaitingPreviews,
        reason: str,
        report: ImportReport,
    ) -> None:
        """A file whose pixels cannot be decoded leaves the album again, as a failure."""
        source = item.source
        async with self.ctx.call(actor, "photo.import_withdrawn") as call:
            call.album_id, call.tenant_id = state.album_id, state.tenant_id
            version = await call.session.get(PhotoVersion, item.version_id)
            if version is None:
                return
            photo = await call.session.get(Photo, version.photo_id)
            call.on("file", None, source)
            call.detail["reason"] = reason
            path, content_hash = self.ctx.home.library / version.library_path, version.content_hash
            await call.session.delete(version)
            await call.session.flush()
            others = await call.session.scalar(
                select(PhotoVersion.id).where(PhotoVersion.photo_id == version.photo_id).limit(1)
            )
            removed_photo = photo is not None and version.kind == "original" and others is None
            if removed_photo:
                await call.session.delete(photo)
            elif photo is not None:
                # The withdrawn file may have been what made the photo count as having stock.
                photo.has_stock = bool(
                    await call.session.scalar(
                        select(PhotoVersion.id)
                        .where(
                            PhotoVersion.photo_id == photo.id,
                            or_(
                                PhotoVersion.kind == "stock",
                                (PhotoVersion.kind == "original") & PhotoVersion.is_raw.is_(False),
                            ),
                        )
                        .limit(1)
                    )
                )
            await note_failure(call.session, state, source, reason)
            call.emit(
                Change.PHOTO_REMOVED if removed_photo else Change.PHOTO_VERSION,
                photo_id=version.photo_id,
            )
        path.unlink(missing_ok=True)
        if removed_photo:
            for sidecar in sidecar_candidates(path):
                sidecar.unlink(missing_ok=True)
            state.stems.pop(photo.stem, None)
            state.with_original.discard(photo.id)
        state.hashes.discard(content_hash)
        if source in report.imported:
            i = report.imported.index(source)
            del report.imported[i]
            del report.photo_ids[i]
        report.failed.append(ImportFailure(source, reason))


def requests_answered_by(
    photo_id: uuid.UUID | ColumnElement[uuid.UUID], round_: int | ColumnElement[int]
) -> tuple[ColumnElement[bool], ...]:
    """The open change requests a retouch of ``round_`` answers: the photo's from earlier rounds."""
    return (
        Feedback.photo_id == photo_id,
        Feedback.kind == "change_request",
        Feedback.resolved_at.is_(None),
        Feedback.round < round_,
    )


async def left_without_previews(
    session: AsyncSession, album_id: uuid.UUID, home: Home
) -> list[AwaitingPreviews]:
    """Files a killed import put in the library before their previews were made."""
    from core.imaging.previews import DEFAULT_SIZES, preview_path

    # A retouch answers the change requests of earlier rounds once its previews are made; one
    # that still leaves some open was stopped between its previews and that answer.
    answer_due = (
        select(Feedback.id)
        .where(*requests_answered_by(PhotoVersion.photo_id, PhotoVersion.round))
        .exists()
    )
    rows = await session.execute(
        select(
            PhotoVersion.id,
            PhotoVersion.photo_id,
            PhotoVersion.library_path,
            PhotoVersion.content_hash,
            PhotoVersion.source_path,
            PhotoVersion.kind,
            (PhotoVersion.kind == "retouched") & answer_due,
        )
        .join(Photo, Photo.id == PhotoVersion.photo_id)
        .where(PhotoVersion.album_id == album_id, PhotoVersion.library_path != NOT_HERE)
        .where(or_(PhotoVersion.kind != "original", Photo.previews_ready.is_(False)))
    )
    return [
        AwaitingPreviews(vid, photo_id, path, h, source or path)
        for vid, photo_id, path, h, source, kind, answer_is_due in rows
        if kind == "original"
        or answer_is_due
        or not all(preview_path(home.previews, h, size).exists() for size in DEFAULT_SIZES)
    ]
