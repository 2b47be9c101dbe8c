"""Serving pictures to clients by content hash, never by a path from a request.

Previews are re-encoded JPEGs; before one is first served we check that it carries no EXIF, XMP,
IPTC or comment segment (GPS, camera serials, owner names) and strip it if it does. A watermarked
copy is made once per preview and watermark text. Downloads are the finals themselves, made clean
by their export preset (portal.downloads).

The cache files are content-addressed and never change, so the most recently served ones are kept
in memory (bounded by MEMORY_BUDGET). Their addresses name the content, so browsers keep them as
immutable and a gallery fetches each picture once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import hdrs, web
from multidict import CIMultiDict

from core.errors import NotFound
from core.imaging.atomic import write_bytes_atomically
from core.imaging.cleaning import draw_watermark, metadata_segments, strip_metadata
from core.imaging.previews import DEFAULT_SIZES, make_previews, preview_path
from core.policies import Guest
from core.services.client import PreviewSource
from portal.middlewares import IMAGE_HEADERS
from portal.picture_urls import SIZES, mark_for, picture_url, watermark_of
from portal.state import STATE, GalleryGone, guest_name, guest_of, photo_id, state_of

log = logging.getLogger(__name__)

# A preview a desktop sent up to the studio server: (guest, content hash, size) -> its bytes.
StoredPreviews = Callable[[Guest, str, str], Awaitable[bytes | None]]

MEMORY_BUDGET = 96 * 1024 * 1024
HELD_FILE_MAX = 4 * 1024 * 1024


@dataclass(frozen=True)
class Picture:
    """A clean preview's bytes, the ETag that names them, and the complete response headers for
    200 and 304 (security headers included), built once instead of on every request."""

    data: bytes
    etag: str
    headers: CIMultiDict[str] = field(init=False, repr=False, compare=False)
    not_modified: CIMultiDict[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        common = {"Cache-Control": IMMUTABLE, "ETag": self.etag, **IMAGE_HEADERS}
        object.__setattr__(self, "not_modified", CIMultiDict(common))
        object.__setattr__(self, "headers", CIMultiDict({**common, "Content-Type": "image/jpeg"}))


class PictureStore:
    """Makes sure the file asked for exists, is clean and (if asked) watermarked."""

    def __init__(
        self,
        cache_root: Path,
        memory_budget: int = MEMORY_BUDGET,
        stored: StoredPreviews | None = None,
    ) -> None:
        self.cache_root = cache_root
        # On a studio server the originals stay on the desktops: the previews they sent up are
        # kept in the studio's database, where every server process finds them.
        self.stored = stored
        self.memory_budget = memory_budget
        self._locks: dict[Path, asyncio.Lock] = {}
        # The bytes themselves, by (content hash, size, watermark): what they are, not who asked,
        # so this holds no answer to any check.
        self._held: OrderedDict[tuple[str, int, str], Picture] = OrderedDict()
        self._held_bytes = 0

    def held(self, source: PreviewSource, size: int, watermark: str | None) -> Picture | None:
        """The preview's bytes if they are in memory: no await, no file system."""
        key = (source.content_hash, size, watermark or "")
        held = self._held.get(key)
        if held is not None:
            self._held.move_to_end(key)
        return held

    async def picture(
        self, source: PreviewSource, size: int, watermark: str | None, guest: Guest | None = None
    ) -> Picture:
        """The preview's bytes, from memory when it was served lately."""
        held = self.held(source, size, watermark)
        if held is not None:
            return held
        path = await self.preview(source, size, watermark, guest)
        data = await asyncio.to_thread(path.read_bytes)
        picture = Picture(data, f'"{hashlib.blake2b(data, digest_size=12).hexdigest()}"')
        key = self._key(source, size, watermark)
        if len(data) <= HELD_FILE_MAX and key not in self._held:
            self._held[key] = picture
            self._held_bytes += len(data)
            while self._held_bytes > self.memory_budget:
                _, old = self._held.popitem(last=False)
                self._held_bytes -= len(old.data)
        return picture

    def _lock(self, path: Path) -> asyncio.Lock:
        if len(self._locks) > 10_000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(path, asyncio.Lock())

    async def preview(
        self, source: PreviewSource, size: int, watermark: str | None, guest: Guest | None = None
    ) -> Path:
        path = preview_path(self.cache_root, source.content_hash, size)
        async with self._lock(path):
            if not path.exists() and not await self._from_studio(source, size, guest, path):
                if source.library_path is None:
                    raise NotFound("This picture has not reached the studio server yet.")
                await asyncio.to_thread(
                    make_previews,
                    source.library_path,
                    self.cache_root,
                    source.content_hash,
                    DEFAULT_SIZES,
                    filename=source.filename,
                )
            path = await asyncio.to_thread(self._sanitised, path)
        if watermark:
            marked = (
                self.cache_root / "wm" / path.parent.name / f"{path.stem}_{mark_for(watermark)}.jpg"
            )
            async with self._lock(marked):
                if not marked.exists():
                    await asyncio.to_thread(draw_watermark, path, marked, watermark)
            path = marked
        return path

    async def _from_studio(
        self, source: PreviewSource, size: int, guest: Guest | None, path: Path
    ) -> bool:
        """A preview a desktop sent up, when this machine has not the original: written into
        the cache as made here would be. False when there is none."""
        here = source.library_path is not None and source.library_path.exists()
        if self.stored is None or guest is None or here:
            return False
        data = await self.stored(guest, source.content_hash, str(size))
        if data is None:
            return False
        await asyncio.to_thread(write_bytes_atomically, path, data)
        return True

    @staticmethod
    def _key(source: PreviewSource, size: int, watermark: str | None) -> tuple[str, int, str]:
        return (source.content_hash, size, watermark or "")

    def _sanitised(self, path: Path) -> Path:
        data = path.read_bytes()
        if not metadata_segments(data):
            return path
        log.warning("preview %s carried metadata; serving a stripped copy", path.name)
        clean = self.cache_root / "clean" / path.parent.name / path.name
        if not clean.exists():
            write_bytes_atomically(clean, strip_metadata(data))
        return clean


STORE: web.AppKey[PictureStore] = web.AppKey("pictures", PictureStore)


VARIANTS = ("current", "original", "retouched")
IMMUTABLE = "private, max-age=31536000, immutable"


async def picture(request: web.Request) -> web.StreamResponse:
    """GET /api/pictures/{size}/{content_hash}-{mark}.jpg: a picture by what it is, so its bytes
    never change and the browser keeps them. Still only for a visitor all the way in through a
    working link, of a photo the link shows in this stage, with the link's own watermark: any
    other hash or mark is the same 404 as a made-up one."""
    state = request.app[STATE]
    session = state.sessions.from_request(request)
    if session is None:
        raise GalleryGone()
    answer = state.recent(session.link_id) or await state.with_pictures(session.link_id)
    name = guest_name(session, answer.access)
    info = request.match_info
    source = answer.pictures.get(info["content_hash"]) if answer.pictures else None
    if source is None or info["mark"] != answer.mark:
        raise NotFound("No such picture in this gallery.")
    watermark = answer.watermark
    store = request.app[STORE]
    size = SIZES[info["size"]]
    found = store.held(source, size, watermark)
    if found is None:
        access = answer.access
        guest = Guest(access.tenant_id, access.album_id, access.link_id, name)
        found = await store.picture(source, size, watermark, guest)
    match = request.headers.get(hdrs.IF_NONE_MATCH)
    if match is not None and found.etag in match:
        return web.Response(status=304, headers=found.not_modified)
    return web.Response(body=found.data, headers=found.headers)


async def preview(request: web.Request) -> web.StreamResponse:
    """GET /api/photos/{id}/preview?size=grid|loupe&variant=current|original|retouched: the
    older address by photo, sent on to the picture's own address."""
    _, access, guest = await guest_of(request)
    size = request.query.get("size", "grid")
    variant = request.query.get("variant", "current")
    if size not in SIZES or variant not in VARIANTS:
        raise web.HTTPBadRequest(
            text="size is grid or loupe; variant is current, original or retouched."
        )
    source = await state_of(request).services.client.preview_source(
        guest, photo_id(request), variant
    )
    url = picture_url(size, source.content_hash, mark_for(watermark_of(access)))
    raise web.HTTPFound(url, headers={"Cache-Control": "no-store"})
