"""Moving an album to Final makes its finals through the studio's export presets: names from the
rename template, the preset's size and format, sRGB, GPS and serials gone, copyright kept."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from core.catalog import Delivery, Final, Photo
from core.errors import Conflict, Invalid, NotFound
from core.finals.presets import ExportPreset
from core.imaging.analyse import hash_file
from core.workflow import Stage
from tests.conftest import Studio, in_studio
from tests.core.delivery_album import COPYRIGHT, CREATOR, album_in_feedback


def exiftool(path: Path) -> dict[str, object]:
    out = subprocess.run(
        ["exiftool", "-json", "-a", "-G1", str(path)], capture_output=True, check=True, text=True
    )
    return json.loads(out.stdout)[0]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_final_makes_every_preset(studio: Studio, tmp_path: Path) -> None:
    s, pia, ada = studio.services, studio.photographer, studio.studio_admin
    await s.delivery.save_preset(
        ada,
        ExportPreset("Archive TIFF", 600, "tiff", rename="{stem}-{preset}", keep_gps=True),
    )
    album_id = await album_in_feedback(studio, tmp_path, "Smith Wedding", n=3)
    await s.delivery.choose_presets(
        pia, album_id, ["Print (full size)", "Web (2048 px)", "Archive TIFF"]
    )
    album = await s.albums.advance(pia, album_id)
    assert album.stage is Stage.FINAL
    assert (await s.delivery.progress(pia, album_id)).state == "delivering"

    seen: list[tuple[int, int]] = []
    view = await s.delivery.deliver(pia, album_id, progress=lambda d, t: seen.append((d, t)))
    assert (view.state, view.done, view.total, view.problem) == ("done", 9, 9, None)
    assert seen[0] == (0, 9) and seen[-1] == (9, 9)

    finals = await s.delivery.finals(pia, album_id)
    before = {(f.preset, f.filename): f.path.stat().st_mtime_ns for f in finals}
    by_preset: dict[str, list[str]] = {}
    for f in finals:
        by_preset.setdefault(f.preset, []).append(f.filename)
        assert f.path.is_file() and f.path.stat().st_size == f.size_bytes
        assert f.path.is_relative_to(s.paths.library) and "final" in f.path.parts
        with Image.open(f.path) as im:
            assert im.size == (f.width, f.height)
    assert by_preset["Print (full size)"] == [f"Smith Wedding-{i:03}.jpg" for i in (1, 2, 3)]
    assert by_preset["Web (2048 px)"] == [f"Smith Wedding-{i:03}-web.jpg" for i in (1, 2, 3)]
    assert by_preset["Archive TIFF"] == [f"IMG_{i:04d}-Archive TIFF.tif" for i in (1, 2, 3)]
    sizes = {(f.preset, f.width, f.height) for f in finals}
    assert sizes == {("Print (full size)", 1200, 800), ("Web (2048 px)", 1200, 800),
                     ("Archive TIFF", 600, 400)}  # fmt: skip

    for final in (finals[0], next(f for f in finals if f.preset == "Archive TIFF")):
        tags = exiftool(final.path)
        assert tags.get("IFD0:Copyright") == COPYRIGHT
        assert tags.get("IFD0:Artist") == CREATOR
        assert "sRGB" in str(tags.get("ICC_Profile:ProfileDescription"))
        gps = [k for k in tags if k.startswith("GPS:")]
        assert bool(gps) == (final.preset == "Archive TIFF"), gps  # kept only where it says so
        assert "ExifIFD:SerialNumber" not in tags and "ExifIFD:LensSerialNumber" not in tags
        assert tags.get("IFD0:Model") == "Canon EOS R5"

    # Delivered again through one preset: only its finals are made anew, the others stay.
    again = await s.delivery.deliver(pia, album_id, ["Web (2048 px)"])
    assert (again.state, again.done, again.presets) == ("done", 3, ("Web (2048 px)",))
    remade = {
        (f.preset, f.filename): f.path.stat().st_mtime_ns
        for f in await s.delivery.finals(pia, album_id)
    }
    assert remade.keys() == before.keys()
    assert {k[0] for k in before if remade[k] != before[k]} == {"Web (2048 px)"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_presets_refuse_what_makes_no_sense(studio: Studio) -> None:
    s, ada = studio.services, studio.studio_admin
    names = [p.name for p in await s.delivery.presets(ada)]
    assert names == ["Print (full size)", "Web (2048 px)"]
    for bad, words in [
        ({"name": "A", "rename": "{album}-{seqq}"}, "unknown field {seqq}"),
        ({"name": "A", "rename": "{album}/{seq}"}, "cannot contain /"),
        ({"name": "A", "rename": "{album}"}, "must contain {seq} or {stem}"),
        ({"name": "A", "format": "png"}, "JPEG or TIFF"),
        ({"name": "A", "long_edge": 10}, "between 64 and 20000"),
        ({"name": "A", "quality": 0}, "from 1 to 100"),
        ({"name": " "}, "needs a name"),
    ]:
        with pytest.raises(Invalid, match=None) as err:
            await s.delivery.save_preset(ada, bad)
        assert words in str(err.value), (bad, str(err.value))
    await s.delivery.delete_preset(ada, "Web (2048 px)")
    assert [p.name for p in await s.delivery.presets(ada)] == ["Print (full size)"]
    with pytest.raises(Invalid, match="at least one export preset"):
        await s.delivery.delete_preset(ada, "Print (full size)")
    album_id = await _album(s, ada)
    with pytest.raises(Invalid, match="No export preset named 'Web'"):
        await s.delivery.choose_presets(ada, album_id, ["Web"])
    with pytest.raises(Invalid, match="Finals are not imported"):
        await s.imports.run(ada, album_id, [], kind="final")
    with pytest.raises(Invalid, match="finals are made once it moves to Final"):
        await s.delivery.deliver(ada, album_id)


async def _album(s, actor):  # type: ignore[no-untyped-def]
    return (await s.albums.create(actor, "Empty")).id


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_another_studio_sees_no_finals_or_deliveries(studio: Studio) -> None:
    s, ada = studio.services, studio.studio_admin
    album_id = await _album(s, ada)
    photo_id = uuid.uuid4()
    async with in_studio(s, ada.tenant_id) as session:
        session.add(Photo(id=photo_id, tenant_id=ada.tenant_id, album_id=album_id, stem="a",
                          filename="a.jpg"))  # fmt: skip
        await session.flush()
        session.add(Final(tenant_id=ada.tenant_id, album_id=album_id, photo_id=photo_id,
                          preset="Web (2048 px)", filename="a.jpg", library_path="x/a.jpg",
                          content_hash="0" * 64, size_bytes=1, width=1, height=1))  # fmt: skip
        session.add(Delivery(tenant_id=ada.tenant_id, album_id=album_id, presets=["Web"]))
        await session.commit()
    await s.tenants.create(studio.admin, "Other Studio", "boss@other.test")
    other = await s.users.actor_for("boss@other.test")
    async with in_studio(s, other.tenant_id) as session:
        assert (await session.scalars(select(Final))).all() == []
        assert (await session.scalars(select(Delivery))).all() == []
    async with in_studio(s, ada.tenant_id) as session:
        assert len((await session.scalars(select(Final))).all()) == 1
    with pytest.raises(NotFound):
        await s.delivery.finals(other, album_id)
    assert len(await s.delivery.finals(ada, album_id)) == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_every_final_is_a_file_of_its_own(studio: Studio, tmp_path: Path) -> None:
    """Two bodies' IMG_0001.JPG (catalog stems img_0001 and img_0001 (2)) get a final each, and a
    delivery after the order shifted (a photo left out) loses no final of another photo."""
    s, pia, ada = studio.services, studio.photographer, studio.studio_admin
    await s.delivery.save_preset(ada, ExportPreset("By name", 600, rename="{stem}"))
    album_id = await album_in_feedback(studio, tmp_path, "Twin Bodies", n=3)
    await s.delivery.choose_presets(pia, album_id, ["By name", "Print (full size)"])
    async with in_studio(s, ada.tenant_id) as session:
        second = await session.scalar(select(Photo).where(Photo.stem == "img_0002"))
        assert second is not None
        second.stem, second.filename = "img_0001 (2)", "IMG_0001.jpg"  # as a second body names it
        await session.commit()
    await s.albums.advance(pia, album_id)

    async def files_of_their_own() -> dict[tuple[str, str], str]:
        finals = await s.delivery.finals(pia, album_id)
        for f in finals:  # each file is the final the catalog says it is
            assert hash_file(f.path) == next(
                r.content_hash for r in rows if (r.photo_id, r.preset) == (f.photo_id, f.preset)
            )
            # ... with its CRC as made, which the first zip of it sends without a second read
            assert f.crc32 == zlib.crc32(f.path.read_bytes())
            assert f.file_mtime_ns == f.path.stat().st_mtime_ns
        return {(f.preset, f.filename): str(f.photo_id) for f in finals}

    assert (await s.delivery.deliver(pia, album_id)).state == "done"
    async with in_studio(s, ada.tenant_id) as session:
        rows = (await session.scalars(select(Final))).all()
    named = await files_of_their_own()
    assert sorted(n for p, n in named if p == "By name") == [
        "IMG_0001 (2).jpg", "IMG_0001.jpg", "IMG_0003.jpg"
    ]  # fmt: skip
    assert len(set(named.values())) == 3

    # The first photo is left out: the others move up one place ({seq}) and are made again.
    async with in_studio(s, ada.tenant_id) as session:
        first = await session.scalar(select(Photo).where(Photo.stem == "img_0001"))
        assert first is not None
        first.selected = False
        await session.commit()
    assert (await s.delivery.deliver(pia, album_id)).state == "done"
    async with in_studio(s, ada.tenant_id) as session:
        rows = (await session.scalars(select(Final))).all()
    named = await files_of_their_own()
    assert "Twin Bodies-001.jpg" in {n for p, n in named if p == "Print (full size)"}


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_one_delivery_of_an_album_at_a_time(studio: Studio, tmp_path: Path) -> None:
    """Two deliveries of one album asked for at once in one process: the second is told the
    album is being delivered already (on PostgreSQL both used to start, one then failing)."""
    s, pia = studio.services, studio.photographer
    album_id = await album_in_feedback(studio, tmp_path, "Twice", n=1)
    await s.albums.advance(pia, album_id)
    got = await asyncio.gather(
        s.delivery.deliver(pia, album_id), s.delivery.deliver(pia, album_id), return_exceptions=True
    )
    refused = [g for g in got if isinstance(g, Conflict)]
    assert len(refused) == 1 and "is being delivered already" in str(refused[0]), got
    assert [g.state for g in got if not isinstance(g, BaseException)] == ["done"]
    assert (await s.delivery.progress(pia, album_id)).state == "done"
