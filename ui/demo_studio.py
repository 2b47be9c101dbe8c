"""A demo studio to try PhotoFlow with: generated sample photos, an album, a few colleagues."""

from __future__ import annotations

import asyncio
import colorsys
import random
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from core.home import Home
from core.policies import Role
from core.services import Services

DEMO_ADMIN = "admin@demo.studio"
DEMO_PEOPLE = (
    ("ana@demo.studio", "Ana", Role.PHOTOGRAPHER),
    ("eli@demo.studio", "Eli", Role.EDITOR),
)


def make_sample_photos(folder: Path, count: int = 24, seed: int = 7) -> list[Path]:
    """Small JPEGs with a capture time and a camera in their EXIF, like a short shoot."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    start = datetime(2024, 6, 15, 14, 0, 0)
    out = []
    for i in range(count):
        hue = rng.random()
        top = tuple(int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.5, 0.9))
        bottom = tuple(int(c * 255) for c in colorsys.hsv_to_rgb((hue + 0.3) % 1, 0.7, 0.4))
        img = Image.new("RGB", (1200, 800), top)
        draw = ImageDraw.Draw(img)
        for y in range(400, 800, 8):
            draw.rectangle([0, y, 1200, y + 8], fill=bottom)
        for _ in range(6):
            x, y, r = rng.randint(0, 1200), rng.randint(0, 800), rng.randint(30, 140)
            draw.ellipse(
                [x - r, y - r, x + r, y + r], fill=tuple(rng.randint(0, 255) for _ in "rgb")
            )
        exif = Image.Exif()
        exif[0x0110] = "PhotoFlow Demo Camera"  # Model
        exif[0x010F] = "PhotoFlow"  # Make
        exif[0x0132] = (start + timedelta(seconds=37 * i)).strftime("%Y:%m:%d %H:%M:%S")
        path = folder / f"DEMO_{i + 1:04d}.jpg"
        img.save(path, "JPEG", quality=85, exif=exif)
        out.append(path)
    return out


async def create_demo_studio(services: Services, home: Home) -> str:
    """Set up the home as a demo studio; returns the admin's e-mail to sign in with."""
    admin = await services.tenants.initialise("Demo Studio", DEMO_ADMIN, "Demo admin")
    config = home.read_config()
    config["default_user"] = admin.email
    home.write_config(config)
    actor = await services.users.actor_for(admin.email)
    for email, name, role in DEMO_PEOPLE:
        await services.users.add(actor, email, role, name)
    shoot = home.root / "demo-shoot"
    await asyncio.to_thread(make_sample_photos, shoot)
    album = await services.albums.create(actor, "Summer wedding", client="Mia & Sam", max_select=10)
    await services.imports.run(actor, album.id, [shoot])
    await services.albums.create(actor, "Studio portraits", client="Jo")
    return admin.email
