"""What a client may download from a Final album, and the record of each download per guest.

Only in Final, only where the link allows downloads, and only the finals (core.catalog.Final,
made by services.delivery through the album's export presets): the link says which size, "web"
(each photo's smallest final, the web preset) or "full" (its largest). Names are the finals' own,
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

from core.catalog import Final, Photo
from core.delivery_zip import FinalsZip, Member
from core.errors import NotFound
from core.policies import Guest
from core.services.client_access import guest_link, photo_uuid, seen_by_clients
from core.services.context import Call, ServiceContext
from core.workflow import Stage

NO_DOWNLOADS = "This gallery has no downloads."
NOT_READY = "This photo has no final to download (yet)."
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

    @property
    def content_type(self) -> str:
        suffix = self.path.suffix.lower()
        return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(self.name)[0] or "image/jpeg"

    def member(self) -> Member:
        return Member(self.name, self.path, self.size, self.made_at)


@dataclass(frozen=True)
class FinalsDownload:
    """What one download sends: the album's name and the files, in gallery order."""

    album: str
    files: tuple[FinalFile, ...]

    def archive(self) -> FinalsZip:
        return FinalsZip(f.member() for f in self.files)


def pick_size(finals: Sequence[Final], size: str) -> Final:
    """A photo's final of the size asked for: "web" the smallest, anything else the largest."""
    ordered = sorted(finals, key=lambda f: (max(f.width, f.height), f.size_bytes, f.preset))
    return ordered[0] if size == "web" else ordered[-1]


async def finals_by_photo(
    call: Call, album_id: uuid.UUID, photo_ids: Iterable[uuid.UUID] | None = None
) -> dict[uuid.UUID, list[Final]]:
    query = select(Final).where(Final.album_id == album_id)
    if photo_ids is not None:
        query = query.where(Final.photo_id.in_(list(photo_ids)))
    found: dict[uuid.UUID, list[Final]] = {}
    for final in await call.session.scalars(query):
        found.setdefault(final.photo_id, []).append(final)
    return found


async def web_finals(
    call: Call,
    library: Path,
    album_id: uuid.UUID,
    photo_ids: Iterable[uuid.UUID] | None = None,
) -> dict[uuid.UUID, Final]:
    """Each photo's web-size final, the picture a Final gallery shows, where its file is on
    this machine (a studio server without the desktop's library shows the retouch instead)."""
    web = {
        pid: pick_size(finals, "web")
        for pid, finals in (await finals_by_photo(call, album_id, photo_ids)).items()
    }
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
            finals = await finals_by_photo(call, album.id, [p.id for p in photos])
            files = tuple(
                self.final_file(pick_size(finals[p.id], access.download_size))
                for p in photos
                if p.id in finals
            )
            if not files:  # not made yet (the album is still delivering), or not this album's
                raise NotFound(NOT_READY if pid else NO_DOWNLOADS)
            if pid is not None:
                call.on("photo", pid, f"{album.name}/{files[0].name}")
            call.album_id = album.id
            call.detail.update(
                size=access.download_size,
                files=len(files),
                bytes=sum(f.size for f in files),
            )
            return FinalsDownload(album.name, files)
