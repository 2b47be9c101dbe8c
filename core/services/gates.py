"""Gather the facts the workflow rules need, as SQL aggregates (never a loop over photos)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import PurePath

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, Feedback, IngestFailure, Photo, PhotoVersion
from core.workflow import AlbumFacts, PhotoGroup, PhotoRef, Stage

SAMPLE = 20


def _versions_of(album_id: uuid.UUID, *conds: ColumnElement[bool]):  # type: ignore[no-untyped-def]
    return select(PhotoVersion.photo_id).where(PhotoVersion.album_id == album_id, *conds)


def _open_change_requests(album_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return select(Feedback.photo_id).where(
        Feedback.album_id == album_id,
        Feedback.kind == "change_request",
        Feedback.retracted_at.is_(None),
        Feedback.resolved_at.is_(None),
    )


def _approved_latest(album_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Photos whose newest retouched version is approved (an active approval of that round)."""
    latest = (
        select(PhotoVersion.photo_id, func.max(PhotoVersion.round).label("round"))
        .where(PhotoVersion.album_id == album_id, PhotoVersion.kind == "retouched")
        .group_by(PhotoVersion.photo_id)
        .subquery()
    )
    return (
        select(Feedback.photo_id)
        .join(
            latest, and_(latest.c.photo_id == Feedback.photo_id, latest.c.round == Feedback.round)
        )
        .where(
            Feedback.album_id == album_id,
            Feedback.kind == "approval",
            Feedback.retracted_at.is_(None),
        )
    )


async def _group(
    session: AsyncSession, album_id: uuid.UUID, *conds: ColumnElement[bool]
) -> PhotoGroup:
    where = (Photo.album_id == album_id, *conds)
    count = await session.scalar(select(func.count()).select_from(Photo).where(*where)) or 0
    if not count:
        return PhotoGroup()
    rows = await session.execute(
        select(Photo.id, Photo.filename).where(*where).order_by(Photo.filename).limit(SAMPLE)
    )
    return PhotoGroup(count, tuple(PhotoRef(i, f) for i, f in rows))


async def gather_facts(
    session: AsyncSession, album: Album, stages: Iterable[Stage] | None = None
) -> AlbumFacts:
    """Facts for leaving each of `stages` (default: the album's current stage)."""
    wanted = set(stages) if stages is not None else {Stage(album.stage)}
    aid = album.id
    facts: dict[str, object] = {}
    facts["photo_count"] = (
        await session.scalar(select(func.count()).select_from(Photo).where(Photo.album_id == aid))
        or 0
    )
    facts["selected_count"] = (
        await session.scalar(
            select(func.count()).select_from(Photo).where(Photo.album_id == aid, Photo.selected)
        )
        or 0
    )
    if Stage.RAW in wanted:
        open_failures = (IngestFailure.album_id == aid, IngestFailure.resolved_at.is_(None))
        n = await session.scalar(
            select(func.count()).select_from(IngestFailure).where(*open_failures)
        )
        names = await session.scalars(
            select(IngestFailure.source_path)
            .where(*open_failures)
            .order_by(IngestFailure.created_at)
            .limit(SAMPLE)
        )
        facts["unresolved_failure_count"] = n or 0
        facts["unresolved_failures"] = tuple(PurePath(p).name for p in names)
    if Stage.STOCK in wanted:
        facts["missing_stock"] = await _group(
            session,
            aid,
            Photo.has_stock.is_(False),
            or_(Photo.flag.is_(None), Photo.flag != "reject"),
        )
    if Stage.RETOUCH in wanted:
        retouched = _versions_of(aid, PhotoVersion.kind == "retouched")
        facts["missing_retouch"] = await _group(
            session, aid, Photo.selected, Photo.id.not_in(retouched)
        )
        facts["unanswered_change_requests"] = await _group(
            session, aid, Photo.selected, Photo.id.in_(_open_change_requests(aid))
        )
    if Stage.FEEDBACK in wanted:
        facts["not_approved"] = await _group(
            session, aid, Photo.selected, Photo.id.not_in(_approved_latest(aid))
        )
    if Stage.FEEDBACK in wanted:
        # Decisions are only taken on selected photos, so the selection bounds the scan.
        facts["open_change_requests"] = await _group(
            session, aid, Photo.selected, Photo.id.in_(_open_change_requests(aid))
        )
    return AlbumFacts(stage=Stage(album.stage), round=album.round, **facts)  # type: ignore[arg-type]
