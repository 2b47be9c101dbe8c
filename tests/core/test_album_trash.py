"""An album goes to the studio's trash and back; emptying the trash deletes it for good."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import Conflict, NotFound, NotPermitted
from core.ingest.library import album_folder
from tests.conftest import Studio
from tests.images import make_shoot


async def test_trash_put_back_and_empty(studio: Studio, tmp_path: Path) -> None:
    s, pia, ada = studio.services, studio.photographer, studio.studio_admin
    album = await s.albums.create(pia, "Garden party")
    await s.imports.run(pia, album.id, make_shoot(tmp_path / "card", 2))
    link = await s.links.create(pia, album.id)
    folder = album_folder(s.paths.library, album.id)
    assert folder.exists()

    await s.albums.move_to_trash(pia, album.id)
    assert [a.name for a in await s.albums.list(pia)] == []
    assert [name for _i, name, _at in await s.albums.in_trash(pia)] == ["Garden party"]
    with pytest.raises(NotFound):
        await s.albums.show(pia, "Garden party")
    with pytest.raises(NotFound):
        await s.client.open(link.token)  # its client link stops working
    with pytest.raises(Conflict, match="in the trash"):
        await s.albums.create(pia, "Garden party")

    await s.albums.put_back(pia, album.id)
    assert (await s.albums.show(pia, "Garden party")).photo_count == 2

    await s.albums.move_to_trash(pia, album.id)
    with pytest.raises(NotPermitted):
        await s.albums.empty_trash(pia)  # a photographer cannot delete for good
    assert await s.albums.empty_trash(ada) == 1
    assert await s.albums.in_trash(ada) == []
    assert not folder.exists()
    await s.albums.create(pia, "Garden party")  # the name is free again
    words = [e.action for e in await s.audit.events(ada, action="album.", limit=20)]
    assert {"album.trash", "album.restore", "album.empty_trash"} <= set(words)
