"""An album's listing for grids: capture order with the undated photos last (or by name), decoded
in chunks that join without a gap or a repeat, the first screen alone when asked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from core.catalog import Photo
from core.services import photo_rows
from tests.conftest import Studio, in_studio

START = datetime(2024, 5, 1, 9, tzinfo=UTC)


async def _album(studio: Studio) -> tuple[uuid.UUID, list[str]]:
    """Eleven photos: three taken in the same second (ties), two undated, names out of order,
    one with what separates two rows in the database's answer in its name."""
    s, pia = studio.services, studio.photographer
    album = await s.albums.create(pia, "Harbour wedding")
    taken = [5, 1, 1, 1, 0, 9, 3, 7, 2, None, None]
    names = ["k", "c", "a", "b", "j", "e", "f", "g", "h", 'z"],["', "d"]
    async with in_studio(s, pia.tenant_id) as session:
        for name, second in zip(names, taken, strict=True):
            session.add(
                Photo(
                    tenant_id=pia.tenant_id,
                    album_id=album.id,
                    stem=name,
                    filename=f"{name}.jpg",
                    taken_at=None if second is None else START + timedelta(seconds=second),
                    stars=len(name),
                )
            )
        await session.commit()
    return album.id, names


async def test_the_grid_listing_keeps_capture_order_across_chunks(
    studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, pia = studio.services, studio.photographer
    album_id, _ = await _album(studio)
    by_capture = ["j.jpg", "a.jpg", "b.jpg", "c.jpg", "h.jpg", "f.jpg", "k.jpg", "g.jpg", "e.jpg"]
    by_capture += ["d.jpg", 'z"],[".jpg']  # the undated, by name
    monkeypatch.setattr(photo_rows, "CHUNK", 10)  # decoded a row or two at a time

    listing = await s.photos.listing(pia, album_id)
    assert [r[photo_rows.RAW["filename"]] for r in listing.data] == by_capture
    assert [r.filename for r in await s.photos.list(pia, album_id)] == by_capture
    assert [r.filename for r in listing.rows()] == by_capture
    first = listing.row(0)
    assert first.taken_at == START and first.stars == 1 and listing.where[first.id.hex] == 0

    by_name = await s.photos.listing(pia, album_id, order="name")
    assert [r[1] for r in by_name.data] == sorted(by_capture)

    screen = await s.photos.listing(pia, album_id, limit=4)
    assert [r[1] for r in screen.data] == by_capture[:4]
