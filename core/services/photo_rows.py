"""Photos as grids and `photo list` read them: one row per photo, fast for 50,000-photo albums.

The main query asks the database for a single JSON array (SQLite's json_group_array, PostgreSQL's
json_agg) instead of 50,000 result rows; decoding that one string is several times faster than
fetching and converting rows one by one through the async driver.
"""

from __future__ import annotations

import gc
import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
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


def _when(value: str | datetime | None) -> datetime | None:
    if value is None:
        return None
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


async def _counts(
    session: AsyncSession, album_id: uuid.UUID, kind: str, photo_ids: Collection[uuid.UUID] | None
) -> dict[str, int]:
    query = select(Feedback.photo_id, func.count()).where(
        Feedback.album_id == album_id, Feedback.retracted_at.is_(None), Feedback.kind == kind
    )
    if photo_ids is not None:
        query = query.where(Feedback.photo_id.in_(photo_ids))
    rows = await session.execute(query.group_by(Feedback.photo_id))
    return {pid.hex: n for pid, n in rows}


@dataclass(slots=True)
class AlbumRows:
    """An album's rows as the database sent them, one list of column values per photo (in
    `COLUMNS` order, the id as 32 hex digits), with the client counts keyed by that hex id.

    A grid holds these and builds a `PhotoRow` only for the photos it is asked about: building
    50,000 of them (UUIDs, parsed datetimes) costs more than reading the album."""

    data: list[list[Any]]
    picks: dict[str, int]
    comments: dict[str, int]
    stars: dict[str, float]
    where: dict[str, int] = field(default_factory=dict)  # hex id -> position, made with data
    tally: dict[str, int] = field(default_factory=dict)  # picked, rejected, in the selection

    def __post_init__(self) -> None:
        """Made where the rows are decoded (off the GUI thread for a large album)."""
        data = self.data
        if len(self.where) != len(data):
            self.where = dict(zip(map(_FIRST, data), range(len(data)), strict=True))
        if not self.tally:
            flags = list(map(_FLAG, data))
            self.tally = {
                "picked": flags.count("pick"),
                "rejected": flags.count("reject"),
                "selected": sum(map(bool, map(_SELECTED, data))),
            }

    def __len__(self) -> int:
        return len(self.data)

    def row(self, i: int) -> PhotoRow:
        r = self.data[i]
        key = r[0]
        return PhotoRow(
            uuid.UUID(key),
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
            self.picks.get(key, 0),
            self.comments.get(key, 0),
            self.stars.get(key, 0.0),
        )

    def rows(self) -> list[PhotoRow]:
        return [self.row(i) for i in range(len(self.data))]

    @classmethod
    def of(cls, rows: list[PhotoRow]) -> AlbumRows:
        """Rows already built (a test's, an empty album's) in the same shape."""
        data = [raw_of(r) for r in rows]
        return cls(
            data,
            {r.id.hex: r.client_picks for r in rows if r.client_picks},
            {r.id.hex: r.comments for r in rows if r.comments},
            {r.id.hex: r.client_stars for r in rows if r.client_stars},
        )


# Where each PhotoRow field sits in a row of `AlbumRows.data` (the order of COLUMNS).
RAW = {
    "id": 0,
    "filename": 1,
    "width": 2,
    "height": 3,
    "taken_at": 4,
    "camera": 5,
    "lens": 6,
    "stars": 7,
    "flag": 8,
    "label": 9,
    "selected": 10,
    "preview_hash": 11,
}


_FIRST, _FLAG, _SELECTED = (itemgetter(RAW[k]) for k in ("id", "flag", "selected"))


def raw_of(row: PhotoRow, before: list[Any] | None = None) -> list[Any]:
    """A row as `AlbumRows.data` holds it (taken_at stays a datetime: only `_when` reads it).
    `before`: the photo's values until now, whose capture time, as the database wrote it, is
    kept when it says the same moment: a listing that says what the grid holds compares equal."""
    taken = row.taken_at
    if before is not None and _when(before[RAW["taken_at"]]) == taken:
        taken = before[RAW["taken_at"]]
    return [
        row.id.hex,
        row.filename,
        row.width,
        row.height,
        taken,
        row.camera,
        row.lens,
        row.stars,
        row.flag,
        row.label,
        row.selected,
        row.preview_hash,
    ]


@dataclass(slots=True)
class FetchedRows:
    """What the database answered for an album's rows, not yet turned into PhotoRows: decoding
    50,000 rows costs far more than reading them, and needs neither the session nor its lock.
    `parts` are JSON arrays (PostgreSQL's already decoded), concatenated in order."""

    parts: list[str | list[list[Any]] | None]
    picks: dict[str, int]
    comments: dict[str, int]
    stars: dict[str, float]
    limit: int | None = None

    @property
    def large(self) -> bool:
        size = sum(len(p or ()) for p in self.parts)
        text = any(isinstance(p, str) for p in self.parts)
        return size > (LARGE_BLOB if text else LARGE_ROWS)

    def album_rows(self) -> AlbumRows:
        """The rows as lists of column values, no PhotoRow built."""
        collecting = gc.isenabled()
        gc.disable()  # 50,000 small lists: the cyclic GC would rescan them several times
        try:
            data: list[list[Any]] = []
            for part in self.parts:
                data += _decoded(part) if isinstance(part, str) else (part or [])  # PG: lists
            if self.limit is not None:
                del data[self.limit :]
            if data and len(data[0][0]) != 32:  # PostgreSQL writes UUIDs with dashes
                for r in data:
                    r[0] = r[0].replace("-", "")
            return AlbumRows(data, self.picks, self.comments, self.stars)
        finally:
            if collecting:
                gc.enable()

    def decode(self) -> list[PhotoRow]:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self.album_rows().rows()
        finally:
            if collecting:
                gc.enable()


LARGE_BLOB = 200_000  # characters: about a thousand rows, a few milliseconds to decode
LARGE_ROWS = 1_000


async def _json_rows(
    session: AsyncSession,
    where: list[Any],
    keys: tuple[str, ...],
    limit: int | None,
    *,
    unindexed_name: bool = False,
) -> str | list[list[Any]] | None:
    """The photos matching `where`, ordered by the `keys` columns, as one JSON array.

    `unindexed_name`: order by the file name as an expression, which no index serves, so
    that the database searches by the other conditions' index instead of walking every photo
    of the album in the (album, filename) index's order (80 ms for the undated photos of a
    50,000-photo album, none of them undated; 0.2 ms this way)."""
    inner = select(*COLUMNS).where(*where)
    order = [
        Photo.filename.concat("") if unindexed_name and k == "filename" else getattr(Photo, k)
        for k in keys
    ]
    ordered = inner.order_by(*order).limit(limit).subquery()
    if session.bind.dialect.name == "sqlite":
        return await session.scalar(select(func.json_group_array(func.json_array(*ordered.c))))
    from sqlalchemy.dialects.postgresql import aggregate_order_by  # not loaded for SQLite

    c = ordered.c
    agg = func.json_agg(aggregate_order_by(func.json_build_array(*c), *(c[k] for k in keys)))
    return await session.scalar(select(agg).select_from(ordered))


CHUNK = 250_000  # characters of JSON decoded at a time: about 1,200 rows, a millisecond or two


def _decoded(blob: str) -> list[list[Any]]:
    """A JSON array of rows (arrays of plain values), decoded a chunk of rows at a time:
    `json.loads` holds Python's lock throughout, and 50,000 rows at once stalled the GUI
    thread for 60 to 250 ms. A chunk ends at a "],[" between two rows; one that falls inside a
    string leaves a chunk that is not JSON, which is then decoded with the next one."""
    if len(blob) <= CHUNK:
        return json.loads(blob)
    rows: list[list[Any]] = []
    start = 1  # after the outer "["
    end = len(blob) - 1  # the outer "]"
    while start < end:
        cut = blob.find("],[", start + CHUNK)
        stop = end if cut < 0 else cut + 1
        while True:
            try:
                rows += json.loads(f"[{blob[start:stop]}]")
                break
            except ValueError:
                if stop == end:
                    raise
                cut = blob.find("],[", stop)
                stop = end if cut < 0 else cut + 1
        start = stop + 1  # past the ","
    return rows


async def fetch_photo_rows(
    session: AsyncSession,
    album: Album,
    order: str = "taken",
    photo_ids: Collection[uuid.UUID] | None = None,
    limit: int | None = None,
) -> FetchedRows:
    """Every photo of the album (or just `photo_ids`, or the first `limit`), in capture order
    (undated last) or by name, as the database answers them.

    Capture order is asked as two queries, the dated photos and then the undated ones, each
    in the order of the (album, taken_at) index: ordering by "taken_at IS NULL" first made the
    database sort every row of the album, 165 ms of 170 for a 50,000-photo album's first
    screen, and half of the time of reading all of it."""
    where = [Photo.album_id == album.id]
    if photo_ids is not None:
        where.append(Photo.id.in_(photo_ids))
    if order == "name":
        parts = [await _json_rows(session, where, ("filename", "id"), limit)]
    else:
        parts = [
            await _json_rows(
                session,
                [*where, Photo.taken_at.is_not(None)],
                ("taken_at", "filename", "id"),
                limit,
            ),
            await _json_rows(
                session,
                [*where, Photo.taken_at.is_(None)],
                ("filename", "id"),
                limit,
                unindexed_name=True,
            ),
        ]
    picks = await _counts(session, album.id, "pick", photo_ids)
    comments = await _counts(session, album.id, "comment", photo_ids)
    stars = await client_stars(session, album.id, photo_ids)
    return FetchedRows(parts, picks, comments, stars, limit)


async def photo_rows(
    session: AsyncSession,
    album: Album,
    order: str = "taken",
    photo_id: uuid.UUID | None = None,
    limit: int | None = None,
) -> list[PhotoRow]:
    """fetch_photo_rows, decoded at once."""
    photo_ids = None if photo_id is None else (photo_id,)
    return (await fetch_photo_rows(session, album, order, photo_ids, limit)).decode()
