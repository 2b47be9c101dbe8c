"""An album carried through every stage to Final by the services, its finals made by
services.delivery through two presets: full-size TIFF and 600 px web JPEG."""

from __future__ import annotations

import uuid
from pathlib import Path

from core.finals.presets import ExportPreset
from core.policies import Actor
from core.services import Services
from core.workflow import Stage
from tests.core.delivery_album import camera_jpeg
from tests.images import make_shoot

FULL = ExportPreset("Archive TIFF", None, "tiff", rename="{album}-{seq:03}")
WEB = ExportPreset("Web 600", 600, "jpeg", 85, sharpen="screen", rename="{album}-{seq:03}-web")
SIZE = (1200, 800)  # the retouches' pixels, so the full-size finals'


async def carry_to_final(
    s: Services, actor: Actor, folder: Path, name: str = "Wedding", n: int = 4
) -> uuid.UUID:
    album = await s.albums.create(actor, name)
    await s.imports.run(actor, album.id, make_shoot(folder / "card", n))
    await s.albums.advance(actor, album.id, Stage.RATE)
    for i in range(1, n + 1):
        await s.photos.select(actor, album.id, f"IMG_{i:04d}.jpg")
    await s.albums.advance(actor, album.id)  # Retouch
    retouched = [
        camera_jpeg(folder / "rt" / f"IMG_{i:04d}_retouched.jpg", SIZE, i) for i in range(1, n + 1)
    ]
    await s.imports.run(actor, album.id, retouched, kind="retouched")
    await s.albums.advance(actor, album.id)  # Feedback
    for i in range(1, n + 1):
        await s.photos.decide(actor, album.id, f"IMG_{i:04d}.jpg", approve=True)
    have = {p.name for p in await s.delivery.presets(actor)}
    for preset in (FULL, WEB):
        if preset.name not in have:
            await s.delivery.save_preset(actor, preset)
    await s.delivery.choose_presets(actor, album.id, [FULL.name, WEB.name])
    assert (await s.albums.advance(actor, album.id)).stage is Stage.FINAL
    done = await s.delivery.deliver(actor, album.id)
    assert done.state == "done", done
    return album.id
