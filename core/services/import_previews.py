"""The import's second pass: real previews for files already in the library, made in the
process pool; a file whose pixels cannot be decoded leaves the album again, as a failure."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from concurrent.futures import Executor

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Feedback, Photo, PhotoVersion
from core.catalog.base import utcnow
from core.home import Home
from core.imaging.previews import preview_path
from core.imaging.xmp import sidecar_candidates
from core.ingest.worker import render_previews
from core.policies import Actor
from core.services.context import ServiceContext
from core.services.import_state import AlbumState, ImportFailure, ImportReport, note_failure


class PreviewPass:
    def __init__(self, ctx: ServiceContext, executor: Callable[[], Executor]) -> None:
        self.ctx = ctx
        self.executor = executor

    async def render(
        self, actor: Actor, state: AlbumState, report: ImportReport, tell: Callable[..., None]
    ) -> None:
        """Second pass: the real previews, for this import's files and any a killed run left."""
        loop = asyncio.get_running_loop()
        previews = str(self.ctx.home.previews)
        library = self.ctx.home.library

        async def render(
            item: tuple[uuid.UUID, str, str, str],
        ) -> tuple[tuple[uuid.UUID, str, str, str], str | None]:
            _, path, content_hash, _ = item
            reason = await loop.run_in_executor(
                self.executor(), render_previews, str(library / path), previews, content_hash
            )
            return item, reason

        tasks = [asyncio.ensure_future(render(item)) for item in state.pending]
        try:
            for done, next_done in enumerate(asyncio.as_completed(tasks), 1):
                (version_id, path, _, source), reason = await next_done
                if reason is None:
                    await self._ready(actor, state, version_id)
                else:
                    await self._withdraw(actor, state, version_id, source, reason, report)
                tell("previews", done, len(tasks), 0, source)
        finally:
            for task in tasks:
                task.cancel()

    async def _ready(self, actor: Actor, state: AlbumState, version_id: uuid.UUID) -> None:
        async with self.ctx.call(actor, "photo.previews", audit=False) as call:
            call.album_id, call.tenant_id = state.album_id, state.tenant_id
            version = await call.session.get(PhotoVersion, version_id)
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
                    .where(
                        Feedback.photo_id == version.photo_id,
                        Feedback.kind == "change_request",
                        Feedback.resolved_at.is_(None),
                        Feedback.round < version.round,
                    )
                    .values(resolved_at=utcnow())
                )
            call.emit("photo.previews", photo_id=version.photo_id, kind=version.kind)

    async def _withdraw(
        self,
        actor: Actor,
        state: AlbumState,
        version_id: uuid.UUID,
        source: str,
        reason: str,
        report: ImportReport,
    ) -> None:
        """A file whose pixels cannot be decoded leaves the album again, as a failure."""
        async with self.ctx.call(actor, "photo.import_withdrawn") as call:
            call.album_id, call.tenant_id = state.album_id, state.tenant_id
            version = await call.session.get(PhotoVersion, version_id)
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
                "photo.removed" if removed_photo else "photo.version", photo_id=version.photo_id
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


async def left_without_previews(
    session: AsyncSession, album_id: uuid.UUID, home: Home
) -> list[tuple[uuid.UUID, str, str, str]]:
    """Files a killed import put in the library before their previews were made."""
    rows = await session.execute(
        select(
            PhotoVersion.id,
            PhotoVersion.library_path,
            PhotoVersion.content_hash,
            PhotoVersion.source_path,
            PhotoVersion.kind,
            Photo.previews_ready,
        )
        .join(Photo, Photo.id == PhotoVersion.photo_id)
        .where(PhotoVersion.album_id == album_id)
        .where(or_(PhotoVersion.kind != "original", Photo.previews_ready.is_(False)))
    )
    return [
        (vid, path, h, source or path)
        for vid, path, h, source, kind, ready in rows
        if kind == "original" or not preview_path(home.previews, h, 512).exists()
    ]
