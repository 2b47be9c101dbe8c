"""What a user would compare between two machines: albums with their stage, photos with marks."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.policies import Actor
from core.services import Services

JPEGS = ("Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg", "Fujifilm_FinePix6900ZOOM.jpg")


async def catalog(services: Services, actor: Actor) -> dict[str, object]:
    out: dict[str, object] = {}
    for album in await services.albums.list(actor):
        rows = await services.photos.list(actor, album.id, order="name")
        out[album.name] = (
            str(album.id),
            album.stage.value,
            album.round,
            tuple(
                (str(r.id), r.filename, r.stars, r.flag, r.label, r.selected, r.preview_hash)
                for r in rows
            ),
        )
    return out


def shoot(photos_dir: Path, into: Path, names: tuple[str, ...] = JPEGS) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy2(photos_dir / name, into / name)
    return into
