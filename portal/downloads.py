"""The client's downloads in a Final album: one final, or all of them as a zip written while it
is sent (core.delivery_zip: STORED members, CRC computed on the way, ZIP64; no temporary file,
two pieces in memory per download), and the download PIN some links ask first.

Finals go out as the files they are (a TIFF as a TIFF, never the JPEG preview), named by the
preset's rename template. Everything else (not Final, no downloads on the link, PIN not given, a
photo of another album) is a plain 4xx with a sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from urllib.parse import quote

from aiohttp import web

from core.errors import NotFound
from core.fsutil import safe_part
from core.services.client import LinkAccess
from core.services.client_downloads import FinalFile, FinalsDownload
from portal.api import body, no_store
from portal.security import Session
from portal.state import client_address, guest_of, photo_id, state_of

log = logging.getLogger(__name__)

ZIP_PATH = "/api/downloads/finals.zip"
PIN_PATH = "/api/downloads/pin"
PIN_FIRST = "Give the download PIN first."
ZIPS_PER_GUEST = 2  # zips one address sends through one link at once
ZIPS_PER_LINK = 4  # zips one link sends at once, whoever asks
ZIP_READERS = 4  # threads reading finals for every zip, apart from the loop's default pool
RETRY_AFTER_S = 30
TOO_MANY_ZIPS = "Your other downloads of this album are still running; try again when they end."


class ZipSlots:
    """The zips being sent now, counted by link and by link and address: each holds a reader
    for minutes (2 GB), so one guest cannot open dozens at once. Their files are read on a
    small pool of their own, never on the default one that PIN checks and previews use."""

    def __init__(self) -> None:
        self.by_link: Counter[uuid.UUID] = Counter()
        self.by_guest: Counter[tuple[uuid.UUID, str]] = Counter()
        self.readers = ThreadPoolExecutor(ZIP_READERS, thread_name_prefix="portal-zip")

    @contextlib.contextmanager
    def taken(self, link_id: uuid.UUID, address: str) -> Iterator[None]:
        """One slot for a zip, or a 429 with Retry-After when the guest or link has them all."""
        guest = (link_id, address)
        if self.by_guest[guest] >= ZIPS_PER_GUEST or self.by_link[link_id] >= ZIPS_PER_LINK:
            raise web.HTTPTooManyRequests(
                text=TOO_MANY_ZIPS, headers={"Retry-After": str(RETRY_AFTER_S)}
            )
        self.by_guest[guest] += 1
        self.by_link[link_id] += 1
        try:
            yield
        finally:
            for counter, key in ((self.by_guest, guest), (self.by_link, link_id)):
                counter[key] -= 1
                if counter[key] <= 0:
                    del counter[key]


ZIPS: web.AppKey[ZipSlots] = web.AppKey("zip_slots", ZipSlots)


async def zip_readers(app: web.Application) -> AsyncIterator[None]:
    """The zips' readers end with the app."""
    yield
    app[ZIPS].readers.shutdown(wait=False, cancel_futures=True)


def attachment(name: str) -> str:
    """A Content-Disposition for `name`: an ASCII fallback, and the UTF-8 name (RFC 6266)."""
    plain = "".join(c if " " <= c < "\x7f" else "_" for c in safe_part(name, "_"))
    ascii_name = plain.replace(";", "_").replace(",", "_")[:150] or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name[:200], safe='')}"


def check_download_pin(session: Session, access: LinkAccess) -> None:
    if access.downloads and access.needs_download_pin and not session.download_ok:
        raise web.HTTPForbidden(text=PIN_FIRST)


async def download_one(request: web.Request) -> web.StreamResponse:
    """GET /api/photos/{id}/download: the photo's final of the link's size, as it was made."""
    session, access, guest = await guest_of(request)
    check_download_pin(session, access)
    head = request.method == "HEAD"  # no download: not audited as one
    got = await state_of(request).services.client.download(guest, photo_id(request), audit=not head)
    return await file_response(got.files[0])


async def file_response(final: FinalFile) -> web.StreamResponse:
    if not await asyncio.to_thread(final.path.is_file):
        raise NotFound("This photo's final is not on this server.")
    response = web.FileResponse(
        final.path,
        headers={
            "Content-Type": final.content_type,
            "Content-Disposition": attachment(final.name),
            "Cache-Control": "private, no-store",
        },
    )
    return response


async def download_all(request: web.Request) -> web.StreamResponse:
    """GET /api/downloads/finals.zip: every final of the link's size, zipped while it is sent."""
    session, access, guest = await guest_of(request)
    check_download_pin(session, access)
    slots = request.app[ZIPS]
    head = request.method == "HEAD"  # the size and name only: nothing read, nothing audited
    with contextlib.ExitStack() as held:
        if not head:
            held.enter_context(slots.taken(access.link_id, client_address(request)))
        got = await state_of(request).services.client.download(guest, audit=not head)
        return await send_zip(request, got, slots.readers, head=head)


async def send_zip(
    request: web.Request, got: FinalsDownload, readers: Executor, *, head: bool
) -> web.StreamResponse:
    missing = await asyncio.to_thread(lambda: [f.name for f in got.files if not f.path.is_file()])
    if missing:
        log.error("finals missing for the zip of %s: %s", got.album, missing[:5])
        raise NotFound("Some finals are not on this server; ask your photographer.")
    archive = got.archive()
    response = web.StreamResponse(
        headers={
            "Content-Type": "application/zip",
            "Content-Disposition": attachment(f"{got.album}.zip"),
            "Cache-Control": "private, no-store",
        }
    )
    response.content_length = archive.size
    await response.prepare(request)
    if head:
        return response
    pieces = archive.stream(readers)
    try:
        async for piece in pieces:
            await response.write(piece)
    except ConnectionError:
        log.info("a client left the zip of %s before its end", got.album)
        return response  # nothing more can be said on a connection already answered
    except OSError:
        # A final unreadable or changed mid-way: the size was announced, so cutting the
        # connection short is what tells the browser the download failed.
        log.exception("the zip of %s broke off", got.album)
        if request.transport is not None:
            request.transport.close()
        return response
    finally:
        await pieces.aclose()
    await response.write_eof()
    return response


async def give_pin(request: web.Request) -> web.StreamResponse:
    """POST /api/downloads/pin {"pin": ...}: the link's download PIN, limited like the
    gallery's PIN; the session remembers it was given."""
    session, access, _guest = await guest_of(request)
    pin = (await body(request)).get("pin")
    if not isinstance(pin, str):
        raise web.HTTPBadRequest(text="pin must be text.")
    if not (access.downloads and access.needs_download_pin):
        raise NotFound("This gallery asks no download PIN.")
    state = state_of(request)
    await state.services.client.check_download_pin(access.link_id, pin, client_address(request))
    response = no_store(web.json_response({"downloads": True}))
    state.sessions.set_cookie(request, response, session.with_download_pin())
    return response
