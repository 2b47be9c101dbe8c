"""Photos as grids and `photo list` read them: one row per photo, fast for 50,000-photo albums.

The main query asks the database for a single JSON array (SQLite's json_group_array, PostgreSQL's
json_agg) instead of 50,000 result rows; decoding that one string is several times faster than
fetching and converting rows one by one through the async driver.
"""

from __future__ import annotations

import gc
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, Feedback, Photo
from core.services.guest_activity import client_stars


@dataclass(slots=True)
class PhotoRow:
    """One photo as grids, the inspector and `photo list` show it (treat it as a value: change
    it with dataclasses.replace; it is not frozen because frozen init costs 2x at 50,000 rows)."""

    id: uuid.UUID
    filename: str
    width: int | None
    height: int | None
    taken_at: datetime | None
    camera: str | None
    lens: str | None
    stars: int
    flag: str | None
    label: str | None
    selected: bool
    preview_hash: str | None
    client_picks: int
    comments: int
    client_stars: float = 0.0  # the guests' mean stars; 0 when no guest rated it


COLUMNS = (
    Photo.id,
    Photo.filename,
    Photo.width,
    Photo.height,
    Photo.taken_at,
    Photo.camera,
    Photo.lens,
    Photo.stars,
    Photo.flag,
    Photo.label,
    Photo.selected,
    Photo.preview_hash,
)


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


async def _counts(
    session: AsyncSession, album_id: uuid.UUID, kind: str, photo_id: uuid.UUID | None
) -> dict[str, int]:
    query = select(Feedback.photo_id, func.count()).where(
        Feedback.album_id == album_id, Feedback.retracted_at.is_(None), Feedback.kind == kind
    )
    if photo_id is not None:
        query = query.where(Feedback.photo_id == photo_id)
    rows = await session.execute(query.group_by(Feedback.photo_id))
    return {pid.hex: n for pid, n in rows}


@dataclass(slots=True)
class FetchedRows:
    """What the database answered for an album's rows, not yet turned into PhotoRows: decoding
    50,000 rows costs far more than reading them, and needs neither the session nor its lock."""

    blob: str | list[list[Any]] | None
    picks: dict[str, int]
    comments: dict[str, int]
    stars: dict[str, float]

    @property
    def large(self) -> bool:
        if isinstance(self.blob, str):
            return len(self.blob) > LARGE_BLOB
        return len(self.blob or ()) > LARGE_ROWS

    def decode(self) -> list[PhotoRow]:
        collecting = gc.isenabled()
        gc.disable()  # 50,000 small lists and rows: the cyclic GC would rescan them several times
        try:
            blob = self.blob
            data = json.loads(blob) if isinstance(blob, str) else (blob or [])  # PG decodes JSON
            return _rows(data, self.picks, self.comments, self.stars)
        finally:
            if collecting:
                gc.enable()


LARGE_BLOB = 200_000  # characters: about a thousand rows, a few milliseconds to decode
LARGE_ROWS = 1_000


async def fetch_photo_rows(
    session: AsyncSession,
    album: Album,
    order: str = "taken",
    photo_id: uuid.UUID | None = None,
    limit: int | None = None,
) -> FetchedRows:
    """Every photo of the album (or just `photo_id`, or the first `limit`), in capture order
    (undated last) or by name, as the database answers them."""
    where = [Photo.album_id == album.id]
    if photo_id is not None:
        where.append(Photo.id == photo_id)
    inner = select(*COLUMNS).where(*where)
    by_name = order == "name"
    keys = (
        (Photo.filename,) if by_name else (Photo.taken_at.is_(None), Photo.taken_at, Photo.filename)
    )
    ordered = inner.order_by(*keys).limit(limit).subquery()
    if session.bind.dialect.name == "sqlite":
        blob = await session.scalar(select(func.json_group_array(func.json_array(*ordered.c))))
    else:
        from sqlalchemy.dialects.postgresql import aggregate_order_by  # not loaded for SQLite

        c = ordered.c
        sub_keys = (c.filename,) if by_name else (c.taken_at.is_(None), c.taken_at, c.filename)
        agg = func.json_agg(aggregate_order_by(func.json_build_array(*c), *sub_keys))
        blob = await session.scalar(select(agg).select_from(ordered))
    picks = await _counts(session, album.id, "pick", photo_id)
    comments = await _counts(session, album.id, "comment", photo_id)
    stars = await client_stars(session, album.id, photo_id)
    return FetchedRows(blob, picks, comments, stars)


async def photo_rows(
    session: AsyncSession,
    album: Album,
    order: str = "taken",
    photo_id: uuid.UUID | None = None,
    limit: int | None = None,
) -> list[PhotoRow]:
    """fetch_photo_rows, decoded at once."""
    return (await fetch_photo_rows(session, album, order, photo_id, limit)).decode()


def _rows(
    data: list[list[Any]],
    picks: dict[str, int],
    comments: dict[str, int],
    stars: dict[str, float],
) -> list[PhotoRow]:
    out = []
    for r in data:
        pid = uuid.UUID(r[0])
        key = pid.hex
        out.append(
            PhotoRow(
                pid,
                r[1],
                r[2],
                r[3],
                _when(r[4]),
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                bool(r[10]),
                r[11],
                picks.get(key, 0),
                comments.get(key, 0),
                stars.get(key, 0.0),
            )
        )
    return out
