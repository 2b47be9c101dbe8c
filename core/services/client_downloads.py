"""What a client may download from a Final album, and the record of each download per guest.

Only in Final, only where the link allows downloads, and only the finals (core.catalog.Final,
made by services.delivery through the album's export presets): the link says which size, "web"
(the final of the album's preset with a long edge) or "full" (of its full-size preset). While a
delivery is under way nothing is sent (a 409 says how far it is). Names are the finals' own,
after the preset's rename template. Every download, one photo or the whole album as a zip, is a
service call as the guest, so the audit log tells who downloaded what through which link.
"""

from __future__ import annotations

import asyncio
import mimetypes
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from core.catalog import Album, Final, Photo
from core.delivery_zip import FinalsZip, Member
from core.errors import Conflict, NotFound
from core.finals.presets import ExportPreset
from core.policies import Guest
from core.services.client_access import guest_link, photo_uuid, seen_by_clients
from core.services.context import Call, ServiceContext
from core.services.delivery_jobs import album_presets, latest_delivery
from core.workflow import Stage

NO_DOWNLOADS = "This gallery has no downloads."
NOT_READY = "This photo has no final to download (yet)."
MAKING = "The finals are being made ({done} of {total}); try again in a moment."
# A final known here whose file is not (yet): made on another desktop of the studio, or still
# on its way to the studio server.
ARRIVING = "The finals are not all here yet; try again in a moment."
# What export presets make (core.finals.presets FORMATS): JPEG or TIFF.
CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".tif": "image/tiff"}
CONTENT_TYPES |= {".tiff": "image/tiff"}


@dataclass(frozen=True)
class FinalFile:
    """One final a guest may have: its name (the preset's), where it is, size and pixels."""

    photo_id: uuid.UUID
    name: str
    path: Path
    size: int
    width: int
    height: int
    content_hash: str
    made_at: datetime | None = None
    crc32: int | None = None  # as made, good while the file's mtime is `file_mtime_ns`
    file_mtime_ns: int | None = None

    @property
    def content_type(self) -> str:
        suffix = self.path.suffix.lower()
        return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(self.name)[0] or "image/jpeg"

    def member(self) -> Member:
        return Member(self.name, self.path, self.size, self.made_at, self.crc32, self.file_mtime_ns)


@dataclass(frozen=True)
class FinalsDownload:
    """What one download sends: the album's name and the files, in gallery order."""

    album: str
    files: tuple[FinalFile, ...]

    def archive(self) -> FinalsZip:
        return FinalsZip(f.member() for f in self.files)


def pick_size(finals: Sequence[Final], presets: Sequence[ExportPreset], size: str) -> Final | None:
    """A photo's final of the size asked for, by its preset among the album's `presets`: "web"
    one of a preset with a long edge (the smallest), anything else one of a full-size preset
    (the largest; an album with no full-size preset gives its largest). None: none made."""
    edges = {p.name: p.long_edge for p in presets}
    ours = [f for f in finals if f.preset in edges]
    if size == "web":
        sized = sorted(
            (f for f in ours if edges[f.preset]), key=lambda f: (edges[f.preset], f.preset)
        )
        return sized[0] if sized else None
    full = [f for f in ours if edges[f.preset] is None] or ours
    ordered = sorted(full, key=lambda f: (max(f.width, f.height), f.size_bytes, f.preset))
    return ordered[-1] if ordered else None


async def finals_by_photo(
    call: Call, album: Album, photo_ids: Iterable[uuid.UUID] | None = None
) -> tuple[list[ExportPreset], dict[uuid.UUID, list[Final]]]:
    """The album's current presets, and each photo's finals through them (a dropped or renamed
    preset's old finals are left out)."""
    presets = await album_presets(call.session, album)
    query = select(Final).where(
        Final.album_id == album.id, Final.preset.in_([p.name for p in presets])
    )
    if photo_ids is not None:
        query = query.where(Final.photo_id.in_(list(photo_ids)))
    found: dict[uuid.UUID, list[Final]] = {}
    for final in await call.session.scalars(query):
        found.setdefault(final.photo_id, []).append(final)
    return presets, found


async def web_finals(
    call: Call,
    library: Path,
    album: Album,
    photo_ids: Iterable[uuid.UUID] | None = None,
) -> dict[uuid.UUID, Final]:
    """Each photo's web-size final, the picture a Final gallery shows, where it was made and its
    file is on this machine (else the gallery shows the retouch: a studio server without the
    desktop's library, an album without a web-size preset, a delivery under way)."""
    presets, by_photo = await finals_by_photo(call, album, photo_ids)
    web = {pid: pick_size(finals, presets, "web") for pid, finals in by_photo.items()}
    web = {pid: f for pid, f in web.items() if f is not None}
    # One look at the disk for them all, off the event loop (the desktop's screen thread).
    here = await asyncio.to_thread(
        lambda: {pid for pid, f in web.items() if (library / f.library_path).is_file()}
    )
    return {pid: f for pid, f in web.items() if pid in here}


class GalleryDownloads:
    """The client's downloads (mixed into ClientService)."""

    ctx: ServiceContext

    def final_file(self, final: Final) -> FinalFile:
        return FinalFile(
            final.photo_id,
            final.filename,
            self.ctx.home.library / final.library_path,
            final.size_bytes,
            final.width,
            final.height,
            final.content_hash,
            final.made_at,
            final.crc32,
            final.file_mtime_ns,
        )

    async def download(
        self, guest: Guest, photo_id: str | uuid.UUID | None = None, *, audit: bool = True
    ) -> FinalsDownload:
        """The finals a guest downloads now: one photo's, or (photo_id None) the album's, for a
        zip. Audited as the guest ("client.download", "client.download_all"); `audit` False
        for a look that downloads nothing (a HEAD request). NotFound when the album is not
        Final, the link allows no downloads, or there is nothing to send."""
        pid = photo_uuid(photo_id) if photo_id is not None else None
        action = "client.download" if pid is not None else "client.download_all"
        async with self.ctx.call(guest, action, audit=audit) as call:
            _link, album, access = await guest_link(call, guest)
            if not access.downloads:
                raise NotFound(NO_DOWNLOADS)
            query = select(Photo).where(Photo.album_id == album.id, seen_by_clients(Stage.FINAL))
            if pid is not None:
                query = query.where(Photo.id == pid)
            photos = (
                await call.session.scalars(
                    query.order_by(Photo.taken_at.is_(None), Photo.taken_at, Photo.filename)
                )
            ).all()
            job = await latest_delivery(call.session, album.id)
            if job is not None and job.state == "delivering":  # half made: none of it yet
                raise Conflict(MAKING.format(done=job.done, total=job.total))
            presets, finals = await finals_by_photo(call, album, [p.id for p in photos])
            picked = (
                pick_size(finals.get(p.id, ()), presets, access.download_size) for p in photos
            )
            files = tuple(self.final_file(f) for f in picked if f is not None)
            if not files:  # none of this size made, or not this album's
                raise NotFound(NOT_READY if pid else NO_DOWNLOADS)
            if not await asyncio.to_thread(lambda: all(f.path.is_file() for f in files)):
                raise Conflict(ARRIVING)
            if pid is not None:
                call.on("photo", pid, f"{album.name}/{files[0].name}")
            call.album_id = album.id
            call.detail.update(
                size=access.download_size,
                files=len(files),
                bytes=sum(f.size for f in files),
            )
            return FinalsDownload(album.name, files)
