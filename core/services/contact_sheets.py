"""An album's rows kept on disk between openings, so that a large album is whole in the grid at
its first paint: reading 50,000 rows from the catalog takes a quarter of a second or more (the
database's own work, most of it), loading them back from this file a fifth of that.

A sheet holds the rows a listing read, stamped with the studio's journal head read before them
in the same transaction. On opening, the journal's entries for the album since that stamp say
what changed since: the rows of the photos they name are read again (one query for them all)
and put in place; when photos came or went, when more changed than `PATCH_AT_MOST`, or when the
journal no longer reaches back that far, the sheet is not used and the album is listed. The
journal is what every view follows for live changes, so a sheet brought up to date this way is
what a listing would read; the grid still lists the album behind it, and takes that listing in
the rare case that it differs (a catalog put back from a backup), and the listing is kept as the
next sheet.

The files are the home's cache (`Home.contact_sheets`): derived, and safe to delete.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import time
import uuid
import zlib
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album
from core.changes import Change
from core.events import Event
from core.fsutil import TEMP_MARK, write_atomic
from core.journal.store import entries_after, head_of
from core.services.photo_rows import RAW, AlbumRows, fetch_photo_rows

FORMAT = 1  # bump when the rows' columns or this file's layout change
KEEP_FROM = 2_000  # photos: below this an album lists in a few milliseconds, no sheet kept
PATCH_AT_MOST = 1_000  # journal entries; beyond this a listing is as quick as the patching

# Changes that alter the row of the one photo they name (its marks, previews, client counts).
ROW_CHANGES = frozenset(
    {
        Change.PHOTO_MARKS,
        Change.PHOTO_VERSION,
        Change.PHOTO_PREVIEWS,
        Change.FEEDBACK_PICK,
        Change.FEEDBACK_STARS,
        Change.FEEDBACK_COMMENT,
        Change.FEEDBACK_DECISION,
    }
)
# Changes to an album that leave its photos' rows as they were. Any kind in neither set (a
# photo removed, a selection submitted, a kind added later) sends the album to be listed.
ROWS_KEPT = frozenset(
    {
        Change.ALBUM_CREATED,
        Change.ALBUM_CHANGED,
        Change.ALBUM_STAGE,
        Change.ALBUM_FAILURES,
        Change.ALBUM_TRASHED,
        Change.ALBUM_RESTORED,
        Change.ALBUM_DELIVERY,
        Change.LINK_CREATED,
        Change.LINK_REVOKED,
        Change.LINK_CHANGED,
    }
)
_COLUMNS = len(RAW)
_REPEATING = tuple(RAW[k] for k in ("width", "height", "camera", "lens", "flag", "label"))
CHUNK_ROWS = 2_000  # rows marshalled together: a millisecond's decoding
_TAKEN, _NAME = RAW["taken_at"], RAW["filename"]


def changed_photos(events: list[Event]) -> set[uuid.UUID] | None:
    """The photos whose rows these journal entries of an album changed; None when the entries
    say more than rows changed (photos came or went), or are too many to patch."""
    if len(events) > PATCH_AT_MOST:
        return None
    photos: set[uuid.UUID] = set()
    for event in events:
        row_change = event.kind in ROW_CHANGES
        if not (row_change or event.kind in ROWS_KEPT) or (row_change and not event.photo_id):
            return None
        if event.photo_id is not None:  # a kept kind naming a photo: its row is read anyway
            photos.add(event.photo_id)
    return photos


def patched(sheet: AlbumRows, fresh: AlbumRows, asked: set[uuid.UUID]) -> AlbumRows | None:
    """The sheet with the `asked` photos' rows as read again (`fresh`); None when one of them
    is new to the sheet or gone from the album, or would move (its capture time or name
    changed): then only a listing puts the album in order."""
    if len(fresh.data) != len(asked):
        return None
    data = sheet.data
    for row in fresh.data:
        i = sheet.where.get(row[0])
        if i is None or data[i][_TAKEN] != row[_TAKEN] or data[i][_NAME] != row[_NAME]:
            return None
        data[i] = row
    counts: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = (
        (sheet.picks, fresh.picks),
        (sheet.comments, fresh.comments),
        (sheet.stars, fresh.stars),
    )
    for key in (u.hex for u in asked):
        for kept, now in counts:
            if key in now:
                kept[key] = now[key]
            else:
                kept.pop(key, None)
    return AlbumRows(data, sheet.picks, sheet.comments, sheet.stars, sheet.where)  # a fresh tally


async def brought_up_to_date(
    session: AsyncSession, tenant_id: uuid.UUID, album: Album, kept: tuple[int, AlbumRows]
) -> AlbumRows | None:
    """A sheet as the album is now, by the journal's entries since it was kept; None when they
    cannot say (see the module's text). Inside the read transaction that reads those entries."""
    seq, sheet = kept
    head, compacted = await head_of(session, tenant_id)
    if seq > head or compacted > seq:  # a catalog put back, or entries since compacted away
        return None
    if seq == head:
        return sheet
    events = await entries_after(
        session, tenant_id, seq, album_id=album.id, limit=PATCH_AT_MOST + 1
    )
    photos = changed_photos(events)
    if not photos:
        return None if photos is None else sheet
    fresh = await fetch_photo_rows(session, album, photo_ids=photos)
    return patched(sheet, fresh.album_rows(), photos)


class ContactSheets:
    """The sheets of one home's albums, a file per album."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, album_id: uuid.UUID) -> Path:
        return self.folder / f"{album_id.hex}.rows"

    def load(self, album_id: uuid.UUID) -> tuple[int, AlbumRows] | None:
        """The album's kept rows and the journal head they were read at; None when there is no
        sheet, or one this version cannot read (it is then removed)."""
        path = self._path(album_id)
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        collecting = gc.isenabled()
        gc.disable()  # 300,000 new objects: the cycle collector would walk them over and over
        try:
            kept = _unpacked(memoryview(blob), album_id)
        except (ValueError, EOFError, TypeError, IndexError, MemoryError):
            kept = None
        finally:
            if collecting:
                gc.enable()
        if kept is None:
            with contextlib.suppress(OSError):
                path.unlink()
        return kept

    def forget(self, album_id: uuid.UUID) -> None:
        """The album is deleted, or its rows changed with no journal entry to say which: its
        sheet goes."""
        with contextlib.suppress(OSError):
            self._path(album_id).unlink()

    def forget_all(self) -> None:
        """Every album's rows were put anew (a studio server's full re-send)."""
        for sheet in self.folder.glob("*.rows"):
            with contextlib.suppress(OSError):
                sheet.unlink()

    def save(self, album_id: uuid.UUID, seq: int, rows: AlbumRows) -> None:
        """Keep these rows, read at journal head `seq` (a small album's sheet is dropped)."""
        path = self._path(album_id)
        data = rows.data
        if len(data) < KEEP_FROM:
            self.forget(album_id)
            return
        _share_repeats(data)
        try:
            chunks = [
                marshal.dumps(data[i : i + CHUNK_ROWS]) for i in range(0, len(data), CHUNK_ROWS)
            ]
            sizes = [len(c) for c in chunks]
            counts = rows.picks, rows.comments, rows.stars
            head = marshal.dumps((FORMAT, album_id.hex, seq, len(data), sizes, rows.tally, *counts))
        except ValueError:  # a value marshal cannot write: no sheet, the album is listed
            return
        body = b"".join([head, *chunks])
        _sweep_leftovers(path)
        write_atomic(path, _framed(len(head), body), sync_dir=False)


def _framed(head_size: int, body: bytes) -> bytes:
    """The header's size and the body's CRC-32 (a flipped bit in the cache is not shown as a
    photo's name or marks), then the body: the header, then the chunks of rows."""
    return head_size.to_bytes(4, "little") + zlib.crc32(body).to_bytes(4, "little") + body


def _sweep_leftovers(path: Path) -> None:
    """Half-written copies of this sheet that a killed process left (another's, being written
    now, is younger than an hour)."""
    old = time.time() - 3600
    for leftover in path.parent.glob(f".{path.name}{TEMP_MARK}*"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < old:
                leftover.unlink()


def _share_repeats(data: list[list[Any]]) -> None:
    """One object for each repeated value of the columns that repeat (a camera, a lens, a size,
    a flag): marshal writes the others as references to it, and loading makes a third fewer
    objects (a quarter less time); the grid holds less memory too."""
    seen: dict[Any, Any] = {}  # by value: these columns hold strings, sizes or None
    shared = seen.setdefault
    collecting = gc.isenabled()
    gc.disable()  # no garbage is made here: a collection would only walk the album's rows
    try:
        for row in data:
            for column in _REPEATING:
                value = row[column]
                row[column] = shared(value, value)
    finally:
        if collecting:
            gc.enable()


def _unpacked(blob: memoryview, album_id: uuid.UUID) -> tuple[int, AlbumRows] | None:
    """A sheet's content, checked before anything trusts it. Its rows are decoded a chunk at
    a time: between chunks the event loop's thread gets Python's lock (the catalog is asked
    whether the album may be seen meanwhile)."""
    size, crc = int.from_bytes(blob[:4], "little"), int.from_bytes(blob[4:8], "little")
    body = blob[8:]
    if len(blob) < 8 or zlib.crc32(body) != crc:
        return None
    head = marshal.loads(body[:size])
    if not isinstance(head, tuple) or len(head) != 9:
        return None
    version, album, seq, count, sizes, tally, picks, comments, stars = head
    if version != FORMAT or album != album_id.hex or not isinstance(seq, int):
        return None
    if not all(isinstance(d, dict) for d in (tally, picks, comments, stars)):
        return None
    if set(tally) != {"picked", "rejected", "selected"} or sum(sizes) != len(body) - size:
        return None
    data: list[list[Any]] = []
    at = size
    for length in sizes:
        part = marshal.loads(body[at : at + length])
        at += length
        if type(part) is not list or {(type(r), len(r)) for r in part} != {(list, _COLUMNS)}:
            return None
        data += part
    if len(data) != count:
        return None
    return seq, AlbumRows(data, picks, comments, stars, tally=tally)
