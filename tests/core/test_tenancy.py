"""Tenant isolation through every service, and the role matrix as the services enforce it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import Conflict, NotFound, NotPermitted
from core.policies import Role
from core.workflow import Stage
from tests.conftest import Studio
from tests.images import make_jpeg, make_shoot


@pytest.fixture
async def two_studios(studio: Studio, tmp_path: Path):  # type: ignore[no-untyped-def]
    s = studio.services
    await s.tenants.create(studio.admin, "Other Studio", "boss@other.test")
    boss = await s.users.actor_for("boss@other.test")
    await s.users.add(boss, "phil@other.test", Role.PHOTOGRAPHER)
    phil = await s.users.actor_for("phil@other.test")
    album = await s.albums.create(studio.photographer, "Secret Wedding")
    make_shoot(tmp_path / "card", 2)
    await s.imports.run(studio.photographer, album.id, [tmp_path / "card"])
    return studio, boss, phil, album


async def test_another_studio_sees_and_changes_nothing(two_studios, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    studio, boss, phil, album = two_studios
    s = studio.services
    for outsider in (boss, phil):
        assert await s.albums.list(outsider) == []
        for ref in (album.id, "Secret Wedding", str(album.id)):
            with pytest.raises(NotFound):
                await s.albums.show(outsider, ref)
        with pytest.raises(NotFound):
            await s.albums.advance(outsider, album.id)
        with pytest.raises(NotFound):
            await s.albums.set_limits(outsider, album.id, 1, 2)
        with pytest.raises(NotFound):
            await s.albums.resolve_failures(outsider, album.id, "x")
        with pytest.raises(NotFound):
            await s.photos.list(outsider, album.id)
        with pytest.raises(NotFound):
            await s.photos.rate(outsider, album.id, "IMG_0001.jpg", 5)
        with pytest.raises(NotFound):
            await s.photos.select(outsider, album.id, "IMG_0001.jpg")
        with pytest.raises(NotFound):
            await s.imports.run(outsider, album.id, [make_jpeg(tmp_path / "x.jpg")])
    with pytest.raises(NotFound):
        await s.albums.reopen(boss, album.id, Stage.RAW, "because")
    with pytest.raises(NotFound):
        await s.photos.decide(boss, album.id, "IMG_0001.jpg", True)
    with pytest.raises(NotFound):
        await s.audit.events(boss, album=album.id)
    assert all(e.target != "Secret Wedding" for e in await s.audit.events(boss, limit=1000))
    assert {u.email for u in await s.users.list(boss)} == {"boss@other.test", "phil@other.test"}
    with pytest.raises(NotFound):
        await s.users.set_role(boss, "pia@lumen.test", Role.EDITOR)
    # The same album name is free in the other studio, and the original is untouched.
    await s.albums.create(phil, "Secret Wedding")
    mine = await s.albums.show(studio.photographer, album.id)
    assert (mine.photo_count, mine.stage) == (2, Stage.RAW)
    rows = await s.photos.list(studio.photographer, album.id)
    assert [r.stars for r in rows] == [0, 0]


async def test_the_superadmin_works_across_studios(two_studios) -> None:  # type: ignore[no-untyped-def]
    studio, boss, phil, album = two_studios
    s = studio.services
    names = [t.name for t in await s.tenants.list(studio.admin)]
    assert names == ["Lumen Studio", "Other Studio"]
    inside = await s.users.actor_for("owner@lumen.test", studio="Other Studio")
    await s.albums.create(inside, "Visited")
    assert [a.name for a in await s.albums.list(phil)] == ["Visited"]
    with pytest.raises(NotPermitted):
        await s.users.actor_for("pia@lumen.test", studio="Other Studio")
    await s.tenants.suspend(studio.admin, "Other Studio", "unpaid")
    with pytest.raises(NotPermitted, match="suspended"):
        await s.albums.list(phil)
    await s.tenants.resume(studio.admin, "Other Studio")
    assert len(await s.albums.list(phil)) == 1


async def test_roles_are_enforced_by_the_services(studio: Studio, tmp_path: Path) -> None:
    s, pia, ed, ada = studio.services, studio.photographer, studio.editor, studio.studio_admin
    with pytest.raises(NotPermitted):
        await s.albums.create(ed, "Editor's album")
    album = await s.albums.create(pia, "Shoot")
    with pytest.raises(NotPermitted):
        await s.imports.run(ed, album.id, [make_jpeg(tmp_path / "a.jpg")])
    await s.imports.run(pia, album.id, [make_jpeg(tmp_path / "a.jpg")])
    for call in (
        s.photos.rate(ed, album.id, "a.jpg", 3),
        s.photos.flag(ed, album.id, "a.jpg", "pick"),
        s.albums.advance(ed, album.id),
        s.users.add(pia, "new@lumen.test", Role.EDITOR),
        s.users.list(ed),
        s.settings.update(pia, min_select=3),
        s.tenants.create(ada, "Third", "t@third.test"),
        s.tenants.list(ada),
        s.audit.events(pia),
        s.users.add(ada, "root@lumen.test", Role.SUPERADMIN),
    ):
        with pytest.raises(NotPermitted):
            await call
    assert [r.filename for r in await s.photos.list(ed, album.id)] == ["a.jpg"]
    with pytest.raises(Conflict):
        await s.users.add(ada, "pia@lumen.test", Role.EDITOR)
    await s.users.set_active(ada, "pia@lumen.test", False)
    with pytest.raises(NotPermitted, match="not an active user"):
        await s.albums.list(pia)
    denied = await s.audit.events(ada, outcome="denied", limit=100)
    assert len(denied) >= 10
    assert {e.actor for e in denied} >= {"ed@lumen.test", "pia@lumen.test", "ada@lumen.test"}


async def test_settings_change_the_rules_and_persist(studio: Studio) -> None:
    s, ada, pia = studio.services, studio.studio_admin, studio.photographer
    name, settings = await s.settings.update(
        ada, min_select=2, max_select=5, watermark_text="© Lumen"
    )
    assert (settings.min_select, settings.max_select) == (2, 5)
    album = await s.albums.create(pia, "Uses studio limits")
    assert (album.min_select, album.max_select) == (2, 5)
    own = await s.albums.create(pia, "Own limits", max_select=9)
    assert (own.min_select, own.max_select) == (2, 9)
    assert (await s.settings.get(pia))[1].watermark_text == "© Lumen"


async def test_a_changed_role_takes_effect_at_once(studio: Studio) -> None:
    s, pia, ada = studio.services, studio.photographer, studio.studio_admin
    await s.albums.create(pia, "Before")
    await s.users.set_role(ada, "pia@lumen.test", Role.EDITOR)
    with pytest.raises(NotPermitted, match="sign in again"):
        await s.albums.create(pia, "After")  # the old Actor still says photographer
    pia_now = await s.users.actor_for("pia@lumen.test")
    with pytest.raises(NotPermitted, match="editor may not"):
        await s.albums.create(pia_now, "After")
