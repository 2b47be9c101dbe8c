"""An album carried to Feedback with approved retouches that carry what a camera writes (GPS,
serial numbers, copyright, creator), for the delivery tests."""

from __future__ import annotations

import uuid
from pathlib import Path

from PIL import Image, ImageDraw

from core.services import Services
from core.workflow import Stage
from tests.conftest import Studio
from tests.images import make_shoot

COPYRIGHT = "(c) 2026 Lumen Studio"
CREATOR = "Pia Photographer"
SERIAL = "SN-0042-BODY"


def camera_jpeg(path: Path, size: tuple[int, int], shade: int) -> Path:
    """A retouch as an editor exports it: EXIF with GPS, serials, copyright and creator."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", size, (40 + shade * 20, 90, 160 - shade * 10))
    ImageDraw.Draw(im).ellipse((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=200)
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "Canon EOS R5"  # Model
    exif[0x8298] = COPYRIGHT  # Copyright
    exif[0x013B] = CREATOR  # Artist
    details = exif.get_ifd(0x8769)
    details[0xA431] = SERIAL  # BodySerialNumber
    details[0xA435] = "LENS-777"  # LensSerialNumber
    details[0x9003] = f"2026:06:1{shade % 10} 14:00:00"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 30.0)
    gps[3], gps[4] = "E", (2.0, 17.0, 40.0)
    im.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


async def album_in_feedback(
    studio: Studio, tmp: Path, name: str, n: int = 3, size: tuple[int, int] = (1200, 800)
) -> uuid.UUID:
    s: Services = studio.services
    pia, ed, ada = studio.photographer, studio.editor, studio.studio_admin
    album = await s.albums.create(pia, name, client="J. Smith")
    make_shoot(tmp / name / "card", n)
    await s.imports.run(pia, album.id, [tmp / name / "card"])
    await s.albums.advance(pia, album.id, Stage.RATE)
    for i in range(1, n + 1):
        await s.photos.select(pia, album.id, f"IMG_{i:04d}.jpg")
    await s.albums.advance(pia, album.id)
    retouched = [
        camera_jpeg(tmp / name / "rt" / f"IMG_{i:04d}_retouched.jpg", size, i)
        for i in range(1, n + 1)
    ]
    await s.imports.run(ed, album.id, retouched, kind="retouched")
    await s.albums.advance(pia, album.id)
    for i in range(1, n + 1):
        await s.photos.decide(ada, album.id, f"IMG_{i:04d}.jpg", approve=True)
    return album.id
