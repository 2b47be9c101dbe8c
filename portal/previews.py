"""Serving pictures to clients: cached previews by opaque photo id, never a path from a request.

Previews are re-encoded JPEGs; before one is first served we check that it carries no EXIF, XMP,
IPTC or comment segment (GPS, camera serials, owner names) and strip it if it does. A watermarked
copy is made once per preview and watermark text. Downloads (only where the link allows, and only
once the album is final) are stripped the same way.

The cache files are content-addressed and never change, so the most recently served ones are kept
in memory (bounded by MEMORY_BUDGET) and answered with an ETag: a gallery scrolling through its
grid costs no disk access, no thread hop and no sendfile setup per picture.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import hdrs, web
from multidict import CIMultiDict
from PIL import Image, ImageDraw, ImageFont

from core.imaging.atomic import write_bytes_atomically
from core.imaging.previews import DEFAULT_SIZES, GRID, LOUPE, make_previews, preview_path
from core.services.client import PreviewSource
from portal.api import photo_id
from portal.middlewares import IMAGE_HEADERS
from portal.state import STATE, GalleryGone, PortalState, guest_name, guest_of, state_of

log = logging.getLogger(__name__)

SIZES = {"grid": GRID, "loupe": LOUPE}
VARIANTS = ("current", "original", "retouched")
# APP1 (EXIF, XMP), APP12, APP13 (IPTC/Photoshop), COM: where GPS, serials and names hide.
_DROP = {0xE1, 0xEC, 0xED, 0xFE}
MEMORY_BUDGET = 96 * 1024 * 1024
HELD_FILE_MAX = 4 * 1024 * 1024


def metadata_segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of every metadata segment before the image data of a JPEG."""
    found = []
    if data[:2] != b"\xff\xd8":
        return found
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in _DROP:
            found.append((marker, i, i + 2 + length))
        i += 2 + length
    return found


def strip_metadata(data: bytes) -> bytes:
    out, last = bytearray(), 0
    for _marker, start, end in metadata_segments(data):
        out += data[last:start]
        last = end
    out += data[last:]
    return bytes(out)


@dataclass(frozen=True)
class Picture:
    """A clean preview's bytes, the ETag that names them, and the complete response headers for
    200 and 304 (security headers included), built once instead of on every request."""

    data: bytes
    etag: str
    headers: CIMultiDict[str] = field(init=False, repr=False, compare=False)
    not_modified: CIMultiDict[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        common = {"Cache-Control": "private, max-age=600", "ETag": self.etag, **IMAGE_HEADERS}
        object.__setattr__(self, "not_modified", CIMultiDict(common))
        object.__setattr__(self, "headers", CIMultiDict({**common, "Content-Type": "image/jpeg"}))


class PictureStore:
    """Makes sure the file asked for exists, is clean and (if asked) watermarked."""

    def __init__(self, cache_root: Path, memory_budget: int = MEMORY_BUDGET) -> None:
        self.cache_root = cache_root
        self.memory_budget = memory_budget
        self._clean: dict[tuple[str, int, str], Path] = {}
        self._locks: dict[Path, asyncio.Lock] = {}
        # Keyed like _clean (content hash, size, watermark), not by path: a hit is one lookup of
        # a tuple of strings, with no Path comparisons.
        self._held: OrderedDict[tuple[str, int, str], Picture] = OrderedDict()
        self._held_bytes = 0

    def held(self, source: PreviewSource, size: int, watermark: str | None) -> Picture | None:
        """The preview's bytes if they are in memory: no await, no file system."""
        key = (source.content_hash, size, watermark or "")
        held = self._held.get(key)
        if held is not None:
            self._held.move_to_end(key)
        return held

    async def picture(self, source: PreviewSource, size: int, watermark: str | None) -> Picture:
        """The preview's bytes, from memory when it was served lately."""
        held = self.held(source, size, watermark)
        if held is not None:
            return held
        path = await self.preview(source, size, watermark)
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

    async def preview(self, source: PreviewSource, size: int, watermark: str | None) -> Path:
        cached = self._clean.get(self._key(source, size, watermark))
        if cached is not None:
            return cached
        path = preview_path(self.cache_root, source.content_hash, size)
        async with self._lock(path):
            if not path.exists():
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
                self.cache_root
                / "wm"
                / path.parent.name
                / (f"{path.stem}_{hashlib.sha256(watermark.encode()).hexdigest()[:12]}.jpg")
            )
            async with self._lock(marked):
                if not marked.exists():
                    await asyncio.to_thread(draw_watermark, path, marked, watermark)
            path = marked
        if len(self._clean) > 100_000:
            self._clean.clear()
        self._clean[self._key(source, size, watermark)] = path
        return path

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


def draw_watermark(source: Path, target: Path, text: str) -> None:
    """The studio's text, tiled diagonally and half transparent across the whole preview."""
    with Image.open(source) as im:
        base = im.convert("RGB")
    w, h = base.size
    size = max(12, min(w, h) // 14)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.load_default(size)
    except TypeError:  # pragma: no cover - Pillow without FreeType
        font = ImageFont.load_default()
    tile = Image.new("L", (w * 2, h * 2), 0)
    draw = ImageDraw.Draw(tile)
    step_y = size * 4
    box = draw.textbbox((0, 0), text, font=font)
    step_x = max(box[2] - box[0] + size * 3, size * 6)
    for row, y in enumerate(range(0, h * 2, step_y)):
        for x in range(-(row % 2) * step_x // 2, w * 2, step_x):
            draw.text((x, y), text, fill=110, font=font)
    mask = tile.rotate(30, resample=Image.Resampling.BILINEAR).crop(
        (w // 2, h // 2, w // 2 + w, h // 2 + h)
    )
    white = Image.new("RGB", (w, h), (255, 255, 255))
    base.paste(white, (0, 0), mask)
    buffer = io.BytesIO()
    base.save(buffer, "JPEG", quality=85)
    write_bytes_atomically(target, buffer.getbuffer())


STORE: web.AppKey[PictureStore] = web.AppKey("pictures", PictureStore)


# The query strings the gallery page sends, already understood; anything else is parsed.
_QUERIES = {
    f"size={size}" + (f"&variant={variant}" if variant else ""): (px, variant or "current")
    for size, px in SIZES.items()
    for variant in ("", *VARIANTS)
}
_QUERIES[""] = (GRID, "current")


def _size_and_variant(request: web.Request) -> tuple[int, str]:
    known = _QUERIES.get(request.query_string)
    if known is not None:
        return known
    size = SIZES.get(request.query.get("size", "grid"))
    variant = request.query.get("variant", "current")
    if size is None or variant not in VARIANTS:
        raise web.HTTPBadRequest(
            text="size is grid or loupe; variant is current, original or retouched."
        )
    return size, variant


async def preview(request: web.Request) -> web.StreamResponse:
    """GET /api/photos/{id}/preview?size=grid|loupe&variant=current|original|retouched

    Most requests a gallery makes, and mostly the same ones again: a picture answered to this
    Cookie header and request target after every check is answered again from memory for as long
    as every one of those checks is remembered (portal.state.PortalState.remember_picture)."""
    state = request.app[STATE]
    asked = (request.headers.get(hdrs.COOKIE), request.raw_path)
    picture = state.recent_picture(asked) or await _checked_picture(request, state, asked)
    match = request.headers.get(hdrs.IF_NONE_MATCH)
    if match is not None and picture.etag in match:
        return web.Response(status=304, headers=picture.not_modified)
    return web.Response(body=picture.data, headers=picture.headers)


async def _checked_picture(
    request: web.Request, state: PortalState, asked: tuple[str | None, str]
) -> Picture:
    """Every check, each answered from memory where it was made lately: the session verified for
    this Cookie header, the link's answer of the last ACCESS_TTL_S, the guest all the way in, the
    photo found in the link's album, the clean (and watermarked) picture."""
    session = state.sessions.from_request(request)
    if session is None:
        raise GalleryGone()
    access = state.recent_access(session.link_id) or await state.access(session.link_id)
    name = guest_name(session, access)
    size, variant = _size_and_variant(request)
    pid = request.match_info["photo_id"]
    source = state.recent_source(access.link_id, pid, variant) or await state.preview_source(
        access.guest(name), pid, variant
    )
    watermark = access.watermark_text if access.watermark else None
    store = request.app[STORE]
    picture = store.held(source, size, watermark) or await store.picture(source, size, watermark)
    if store.held(source, size, watermark) is picture:  # only what the store keeps in memory
        source_key = (access.link_id, pid, variant)
        state.remember_picture(asked, picture, session, access, source_key, source)
    return picture


async def download(request: web.Request) -> web.StreamResponse:
    """GET /api/photos/{id}/download: the full file, only where the link allows downloads."""
    _, access, guest = await guest_of(request)
    pid = photo_id(request)
    source = await state_of(request).preview_source(guest, pid, "download")
    name = source.filename if access.show_filenames else f"photo-{str(pid)[:8]}.jpg"
    data = await asyncio.to_thread(source.library_path.read_bytes)
    if data[:2] != b"\xff\xd8":  # not a JPEG (a RAW): hand out the large preview instead
        path = await request.app[STORE].preview(source, LOUPE, None)
        data = await asyncio.to_thread(path.read_bytes)
        name = name.rsplit(".", 1)[0] + ".jpg"
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:120] or "photo.jpg"
    return web.Response(
        body=strip_metadata(data),
        content_type="image/jpeg",
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "Cache-Control": "private, no-store",
        },
    )
