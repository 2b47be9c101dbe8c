"""An album's contact sheet: the rows a listing read, kept on disk and brought up to date from
the journal on the next opening; refused when the journal cannot say what changed."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from core.changes import Change
from core.events import Event
from core.fsutil import TEMP_MARK
from core.services import contact_sheets
from core.services.contact_sheets import PATCH_AT_MOST, changed_photos
from core.services.photo_rows import AlbumRows
from core.workflow import Stage
from tests.conftest import Studio
from tests.images import make_shoot


def same(kept: AlbumRows | None, listed: AlbumRows) -> bool:
    assert kept is not None
    return (kept.data, kept.picks, kept.comments, kept.stars, kept.tally) == (
        listed.data,
        listed.picks,
        listed.comments,
        listed.stars,
        listed.tally,
    )


async def test_a_kept_sheet_follows_marks_and_client_activity(
    studio: Studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contact_sheets, "KEEP_FROM", 1)  # a few photos stand for 50,000
    s, pia = studio.services, studio.photographer
    album = await s.albums.create(pia, "Regatta")
    make_shoot(tmp_path / "card", 6)
    await s.imports.run(pia, album.id, [tmp_path / "card"])
    assert await s.photos.kept_listing(pia, album.id) is None  # never listed: no sheet

    listed = await s.photos.listing(pia, album.id, keep=True)
    assert same(await s.photos.kept_listing(pia, album.id), listed)

    # Culling, and a client's pick, stars and comment, all after the sheet was kept.
    rows = listed.rows()
    await s.photos.rate(pia, album.id, rows[0].filename, 4)
    await s.photos.flag(pia, album.id, rows[1].filename, "reject")
    await s.albums.advance(pia, album.id, Stage.RATE)
    guest = (await s.client.open((await s.links.create(pia, album.id)).token)).guest("Ann")
    await s.client.pick(guest, rows[2].id)
    await s.client.rate(guest, rows[2].id, 5)
    await s.client.comment(guest, rows[3].id, "Crop the mast?")

    kept = await s.photos.kept_listing(pia, album.id)
    now = await s.photos.listing(pia, album.id)
    assert same(kept, now)
    assert kept is not None and kept.row(0).stars == 4 and kept.row(1).flag == "reject"
    assert (kept.row(2).client_picks, kept.row(2).client_stars, kept.row(3).comments) == (1, 5, 1)

    # New photos: where they go in capture order is the listing's to say.
    make_shoot(tmp_path / "card2", 2, prefix="DSC_")
    await s.imports.run(pia, album.id, [tmp_path / "card2"])
    assert await s.photos.kept_listing(pia, album.id) is None
    relisted = await s.photos.listing(pia, album.id, keep=True)
    assert len(relisted.data) == 8 and same(await s.photos.kept_listing(pia, album.id), relisted)


async def test_a_damaged_or_small_sheet_is_not_used(
    studio: Studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, pia = studio.services, studio.photographer
    album = await s.albums.create(pia, "Harbour")
    make_shoot(tmp_path / "card", 3)
    await s.imports.run(pia, album.id, [tmp_path / "card"])
    sheet = s.photos.sheets.folder / f"{album.id.hex}.rows"

    await s.photos.listing(pia, album.id, keep=True)
    assert not sheet.exists()  # a small album lists in no time: nothing kept

    monkeypatch.setattr(contact_sheets, "KEEP_FROM", 1)
    # What a process killed while writing the sheet left, and one being written now.
    killed, writing = (sheet.with_name(f".{sheet.name}{TEMP_MARK}{n}") for n in (1, 2))
    sheet.parent.mkdir(parents=True)
    for leftover in (killed, writing):
        leftover.write_bytes(b"half a sheet")
    os.utime(killed, (time.time() - 7200,) * 2)
    await s.photos.listing(pia, album.id, keep=True)
    assert not killed.exists() and writing.exists()
    whole = sheet.read_bytes()
    flipped = whole[:200] + bytes([whole[200] ^ 4]) + whole[201:]  # one bit, in the header
    for damaged in (whole[: len(whole) // 2], b"", b"\x00" * 64, flipped):
        sheet.write_bytes(damaged)  # a disk that filled up, or another program's file
        assert await s.photos.kept_listing(pia, album.id) is None
        assert not sheet.exists()
        sheet.write_bytes(whole)
        assert await s.photos.kept_listing(pia, album.id) is not None

    other = await s.albums.create(pia, "Other")
    (s.photos.sheets.folder / f"{other.id.hex}.rows").write_bytes(whole)  # another album's
    assert await s.photos.kept_listing(pia, other.id) is None


def test_only_row_changes_are_patched() -> None:
    tenant, album, photo = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def said(kind: Change, photo_id: uuid.UUID | None = photo) -> Event:
        return Event(kind, tenant, album, photo_id)

    assert changed_photos([]) == set()
    assert changed_photos([said(Change.PHOTO_MARKS), said(Change.ALBUM_STAGE, None)]) == {photo}
    assert changed_photos([said(Change.FEEDBACK_PICK), said(Change.PHOTO_REMOVED)]) is None
    assert changed_photos([said(Change.SELECTION_SUBMITTED, None)]) is None
    assert changed_photos([said(Change.PHOTO_MARKS, None)]) is None  # which photo?
    assert changed_photos([said(Change.ALBUM_DELIVERY)]) == {photo}  # named: read it again
    assert changed_photos([said(Change.PHOTO_MARKS)] * PATCH_AT_MOST) == {photo}
    assert changed_photos([said(Change.PHOTO_MARKS)] * (PATCH_AT_MOST + 1)) is None
