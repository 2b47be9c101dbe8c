"""What a delivery needs from the catalog: the album's presets, the photos and their approved
sources in delivery order, and the job row. Shared by the album's move to Final (which opens the
job in its own transaction, so the album shows as delivering at once and a kill loses nothing)
and by the delivery service (which makes the finals)."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, Delivery, Photo, PhotoVersion, Tenant
from core.catalog.base import utcnow
from core.errors import Invalid
from core.finals.presets import ExportPreset, presets_from
from core.settings import StudioSettings


async def studio_presets(session: AsyncSession, tenant_id: uuid.UUID) -> list[ExportPreset]:
    tenant = await session.get(Tenant, tenant_id)
    return presets_from(
        StudioSettings.from_dict(tenant.settings if tenant else None).export_presets
    )


def pick(presets: list[ExportPreset], names: list[str] | None) -> list[ExportPreset]:
    """The presets named (in the studio's order), or all of them when `names` is None."""
    if names is None:
        return presets
    by_name = {p.name.lower(): p for p in presets}
    missing = [n for n in names if n.strip().lower() not in by_name]
    if missing:
        known = ", ".join(repr(p.name) for p in presets) or "none yet"
        raise Invalid(f"No export preset named {missing[0]!r}; the studio has {known}.")
    wanted = {n.strip().lower() for n in names}
    return [p for p in presets if p.name.lower() in wanted]


async def album_presets(session: AsyncSession, album: Album) -> list[ExportPreset]:
    """The album's chosen presets; a preset since deleted is left out; none chosen (or none of
    the chosen left) is all of the studio's."""
    presets = await studio_presets(session, album.tenant_id)
    if album.presets is None:
        return presets
    chosen = {str(n).lower() for n in album.presets}
    return [p for p in presets if p.name.lower() in chosen] or presets


@dataclass(frozen=True)
class Source:
    """A selected photo as a delivery makes it: its place in the order, its approved file."""

    seq: int
    photo_id: uuid.UUID
    stem: str  # the catalog's, unique in the album, in the camera's case where it matches
    filename: str
    taken: date | None
    library_path: str | None  # None: no file a final can be made from (a RAW only)


async def delivery_sources(session: AsyncSession, album: Album) -> list[Source]:
    """The album's selected photos in delivery order (capture time, then filename), each with
    the file its finals are made from: the newest retouch round, else the stock version, else
    the original when it is not RAW."""
    photos = (
        await session.execute(
            select(Photo.id, Photo.filename, Photo.taken_at, Photo.stem)
            .where(Photo.album_id == album.id, Photo.selected)
            .order_by(Photo.taken_at.is_(None), Photo.taken_at, Photo.filename)
        )
    ).all()
    versions = (
        await session.execute(
            select(
                PhotoVersion.photo_id,
                PhotoVersion.kind,
                PhotoVersion.round,
                PhotoVersion.is_raw,
                PhotoVersion.library_path,
            ).where(
                PhotoVersion.album_id == album.id,
                PhotoVersion.kind.in_(("retouched", "stock", "original")),
            )
        )
    ).all()
    rank = {"retouched": 2, "stock": 1, "original": 0}
    best: dict[uuid.UUID, tuple[tuple[int, int], str]] = {}
    for photo_id, kind, round_, is_raw, path in versions:
        if is_raw:
            continue
        key = (rank[kind], round_)
        if photo_id not in best or key > best[photo_id][0]:
            best[photo_id] = (key, path)
    return [
        Source(
            n,
            pid,
            name_stem(filename, stem),
            filename,
            taken.date() if taken else None,
            best[pid][1] if pid in best else None,
        )
        for n, (pid, filename, taken, stem) in enumerate(photos, start=1)
    ]


def name_stem(filename: str, stem: str) -> str:
    """A photo's {stem} for its finals' names: the catalog's stem (unique in the album, so two
    bodies' IMG_0001.JPG stay apart as IMG_0001 and IMG_0001 (2)), in the filename's case."""
    base = Path(filename).stem.strip()
    return base + stem[len(base) :] if stem.startswith(base.lower()) else stem


def open_delivery(album: Album, presets: list[ExportPreset], photos: int) -> Delivery:
    """A new delivery job for `album` (the caller adds it to its session)."""
    return Delivery(
        id=uuid.uuid4(),
        tenant_id=album.tenant_id,
        album_id=album.id,
        presets=[p.name for p in presets],
        state="delivering",
        total=photos * len(presets),
        done=0,
    )


async def close_deliveries(session: AsyncSession, album_id: uuid.UUID, why: str) -> None:
    """End the album's unfinished deliveries (a new one replaces them)."""
    jobs = await session.scalars(
        select(Delivery).where(Delivery.album_id == album_id, Delivery.state == "delivering")
    )
    for job in jobs:
        job.state, job.finished_at, job.problem, job.runner = "failed", utcnow(), why, None


async def latest_delivery(session: AsyncSession, album_id: uuid.UUID) -> Delivery | None:
    return await session.scalar(
        select(Delivery)
        .where(Delivery.album_id == album_id)
        .order_by(Delivery.started_at.desc())
        .limit(1)
    )


def this_runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def runner_gone(runner: str | None) -> bool:
    """Whether the process that was making a delivery has ended (so another may carry on)."""
    if not runner:
        return True
    host, _, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's: it may well be running
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed process nobody has reaped yet is a zombie: it makes nothing any more
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except (OSError, IndexError):
        return False
