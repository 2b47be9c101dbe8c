"""Client picks at once through one link stay within its limit, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.errors import Invalid
from core.workflow import Stage
from tests.conftest import Studio
from tests.images import make_shoot


async def test_simultaneous_picks_cannot_pass_the_limit(studio: Studio, tmp_path: Path) -> None:
    s, pia = studio.services, studio.photographer
    album = await s.albums.create(pia, "Race")
    make_shoot(tmp_path / "card", 8)
    await s.imports.run(pia, album.id, [tmp_path / "card"])
    await s.albums.advance(pia, album.id, Stage.RATE)
    made = await s.links.create(pia, album.id, max_select=3)
    guest = (await s.client.open(made.token)).guest("Ann")
    rows = await s.photos.list(pia, album.id)
    results = await asyncio.gather(
        *(s.client.pick(guest, r.id) for r in rows), return_exceptions=True
    )
    assert sum(isinstance(r, int) for r in results) == 3
    assert all(isinstance(r, Invalid) for r in results if not isinstance(r, int))
    after = await s.photos.list(pia, album.id)
    assert sum(r.client_picks for r in after) == 3
