"""Grid and loupe previews go up to the studio server, once, so that the portal of any server
process can serve them; the originals stay on the desktop."""

from __future__ import annotations

from pathlib import Path

from core.imaging.previews import GRID, LOUPE, preview_path
from tests.sync.catalogs import shoot


async def test_previews_go_up_once_and_originals_stay(
    server, desktops, photos_dir: Path, tmp_path: Path
) -> None:
    pia = await desktops("pia", "pia@lumen.test")
    me = await pia.actor()
    album = await pia.services.albums.create(me, "Kim Studio Session")
    await pia.services.imports.run(me, album.id, [shoot(photos_dir, tmp_path / "card")])
    await pia.client.sync_once()
    rows = await pia.services.photos.list(me, album.id)
    assert rows and all(r.preview_hash for r in rows)
    checked = 0
    for row in rows:
        for size in (GRID, LOUPE):
            here = preview_path(pia.services.paths.previews, row.preview_hash, size)
            if here.exists():
                there = await server.services.sync.preview(me, row.preview_hash, str(size))
                assert there == here.read_bytes()
                checked += 1
    assert checked >= len(rows)  # at least every grid preview is on the server
    assert await pia.client.upload_previews() == 0  # nothing new: nothing sent again
    pia.client._previews_after = ""  # a restarted desktop asks again, and sends nothing
    assert await pia.client.upload_previews() == 0
    assert not any(server.services.paths.library.rglob("*.jpg"))  # no original went up
