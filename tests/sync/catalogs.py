"""What a user would compare between two machines: albums with their stage, photos with marks."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.policies import Actor
from core.services import Services
from core.services.commands import COMMANDS

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


async def commands_made(services: Services, actor: Actor) -> int:
    """How many commands this catalog's service calls sent to the server, from its audit log:
    one per call, and an import of originals sends its photos and their versions apart."""
    events = await services.audit.events(actor, outcome="ok", limit=100_000)
    return sum(2 if e.action == "album.import_files" else 1 for e in events if e.action in COMMANDS)
