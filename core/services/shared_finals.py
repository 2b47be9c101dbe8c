"""Finals made on a desktop, on the studio server: their files go up into a content-addressed
store in the server's library, then their rows travel as a command (`album.import_finals`),
so the server's portal shows and sends the same finals the desktop made.

Files first, rows after: the server takes a final's row only when its file is in its store (the
import is refused otherwise), so a client never gets a zip member the server lacks. A final's
file never changes (a remade final is a new file, a new hash), so the store keeps one file per
content hash and studio, written whole (temp file, fsync, rename) after its hash was checked.

Pulled by another desktop, a final is known without its file there (an empty library path, as a
version made elsewhere): that desktop neither shows it nor sends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import blake3
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, Delivery, Final, Photo, SyncMark
from core.catalog.base import utcnow
from core.changes import Change
from core.errors import Invalid
from core.events import Event
from core.finals.presets import EXTENSIONS
from core.fsutil import fsync_dir, temp_path_for
from core.policies import Actor, Permission, require
from core.services.albums import find_album
from core.services.context import ServiceContext
from core.services.server_mark import MARK
from core.services.sync_rows import NOT_HERE, plain, when
from core.workflow import Stage

STORE = "studio-finals"  # in the server's library: STORE/<studio>/<ab>/<hash><ext>
SWEEP_AFTER_S = 3600.0  # a stored file no final names is removed once this old
MAX_FINAL_BYTES = 4 * 1024**3  # a 16-bit TIFF of a 150 MP back is about 900 MB
SUFFIXES = frozenset(EXTENSIONS.values())
FINAL_FIELDS: tuple[str, ...] = ("photo_id", "preset", "filename", "content_hash", "size_bytes")
FINAL_FIELDS += ("width", "height", "crc32", "made_at", "suffix")


@dataclass(frozen=True)
class FinalToShare:
    """A final made on this desktop, as it goes to the server: its facts and its file here."""

    album_id: uuid.UUID
    row: dict[str, Any]  # FINAL_FIELDS
    path: Path

    @property
    def content_hash(self) -> str:
        return str(self.row["content_hash"])

    @property
    def suffix(self) -> str:
        return str(self.row["suffix"])

    @property
    def size(self) -> int:
        return int(self.row["size_bytes"])


def store_path(tenant_id: uuid.UUID, content_hash: str, suffix: str) -> str:
    """Where the server keeps a final's file, relative to its library."""
    return f"{STORE}/{tenant_id}/{content_hash[:2]}/{content_hash}{suffix}"


def check_file(content_hash: Any, suffix: Any, size: Any) -> None:
    if not (
        isinstance(content_hash, str)
        and len(content_hash) == 64
        and all(c in "0123456789abcdef" for c in content_hash)
    ):
        raise Invalid("A final is named by the 64 hex digits of its content hash.")
    if suffix not in SUFFIXES:
        raise Invalid(f"A final is a {' or '.join(sorted(SUFFIXES))} file.")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_FINAL_BYTES:
        raise Invalid(f"A final's size is 1 byte to {MAX_FINAL_BYTES // 1024**3} GB.")


def final_row(final: Final) -> dict[str, Any]:
    row = {name: plain(getattr(final, name, None)) for name in FINAL_FIELDS if name != "suffix"}
    row["suffix"] = Path(final.library_path).suffix if final.library_path else ""
    row["album_id"] = str(final.album_id)
    return row


class SharedFinalsService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- the server ------------------------------------------------------------------------

    def _file(self, tenant_id: uuid.UUID, content_hash: str, suffix: str) -> Path:
        return self.ctx.home.library / store_path(tenant_id, content_hash, suffix)

    async def missing(
        self, actor: Actor, finals: Sequence[dict[str, Any]]
    ) -> tuple[list[str], int]:
        """Of these finals (their facts, as `import_finals` takes them): the content hashes of
        the files the server lacks, and how many of their rows it lacks (or has otherwise)."""
        parsed = [_parsed(f) for f in finals]
        async with self.ctx.call(actor, "finals.missing", audit=False) as call:
            require(actor, Permission.MANAGE_ALBUMS)  # who delivers sends the finals
            have = set(
                (
                    await call.session.execute(
                        select(
                            Final.photo_id, Final.preset, Final.content_hash, Final.filename
                        ).where(
                            Final.tenant_id == actor.tenant_id,
                            Final.photo_id.in_({f["photo_id"] for f in parsed}),
                        )
                    )
                ).all()
            )
        rows = sum(
            (f["photo_id"], f["preset"], f["content_hash"], f["filename"]) not in have
            for f in parsed
        )
        tenant = actor.tenant_id

        def look() -> list[str]:
            files = {(f["content_hash"], f["suffix"]) for f in parsed}
            return sorted(h for h, sfx in files if not self._file(tenant, h, sfx).is_file())

        return await asyncio.to_thread(look), rows

    async def receive(
        self,
        actor: Actor,
        content_hash: str,
        suffix: str,
        size: int,
        chunks: AsyncIterator[bytes],
    ) -> bool:
        """Keep a final's file that a desktop sends, read from `chunks` as it comes (never whole
        in memory), its size and content hash checked before it takes its place. False when the
        store had it already. Invalid (nothing kept) when the bytes are not what was said."""
        check_file(content_hash, suffix, size)
        async with self.ctx.call(actor, "finals.receive", audit=False):
            require(actor, Permission.MANAGE_ALBUMS)
        dest = self._file(actor.tenant_id, content_hash, suffix)
        if await asyncio.to_thread(dest.is_file):
            async for _ in chunks:  # read what was sent, so the connection stays usable
                pass
            return False
        await asyncio.to_thread(dest.parent.mkdir, parents=True, exist_ok=True)
        tmp = temp_path_for(dest)
        fh: BinaryIO = await asyncio.to_thread(open, tmp, "wb")
        hasher, got = blake3.blake3(), 0
        try:
            async for chunk in chunks:
                got += len(chunk)
                if got > size:
                    raise Invalid(f"The final is larger than the {size} bytes announced.")
                await asyncio.to_thread(_write, fh, hasher, chunk)
            await asyncio.to_thread(_close, fh)
            if got != size:
                raise Invalid(f"The final has {got} bytes, not the {size} announced; not kept.")
            if hasher.hexdigest() != content_hash:
                raise Invalid("The final's content does not match its hash; it was not kept.")
            await asyncio.to_thread(os.replace, tmp, dest)
            await asyncio.to_thread(fsync_dir, dest.parent)
            return True
        finally:
            with contextlib.suppress(OSError):
                fh.close()
            with contextlib.suppress(OSError):
                tmp.unlink()

    async def import_finals(
        self, actor: Actor, album_ref: str | uuid.UUID, finals: Sequence[dict[str, Any]]
    ) -> int:
        """The finals a desktop made of a Final album, on the server: the same rows, pointing at
        the server's store, where their files must be already. Returns how many changed here."""
        parsed = [_parsed(f) for f in finals]
        tenant = actor.tenant_id
        paths = [store_path(tenant, f["content_hash"], f["suffix"]) for f in parsed]
        mtimes = await asyncio.to_thread(self._mtimes, paths)
        absent = [p for p in paths if mtimes[p] is None]
        async with self.ctx.call(actor, "album.import_finals") as call:
            require(actor, Permission.MANAGE_ALBUMS)  # who may deliver
            album = await find_album(call.session, actor, album_ref)
            call.on("album", album.id, album.name)
            if Stage(album.stage) is not Stage.FINAL:
                raise Invalid(
                    f"{album.name} is in {Stage(album.stage).title}; finals belong to a Final album."
                )
            if absent:
                raise Invalid(
                    f"{len(absent)} of these finals' files have not reached the server; "
                    "they are sent before their rows."
                )
            photo_ids = {f["photo_id"] for f in parsed}
            found = set(
                await call.session.scalars(
                    select(Photo.id).where(Photo.album_id == album.id, Photo.id.in_(photo_ids))
                )
            )
            if photo_ids - found:
                raise Invalid(f"{len(photo_ids - found)} of these finals belong to no photo here.")
            changed, replaced = 0, list[str]()
            for facts, path in zip(parsed, paths, strict=True):
                changed += await _put_final(
                    call.session, album, facts, path, mtimes[path], replaced
                )
            call.detail.update(finals=len(parsed), changed=changed)
            if changed:
                call.emit(Change.ALBUM_DELIVERY, state="done", finals=changed, gallery_changed=True)
        if replaced:  # only finals made again leave files no final names
            await self.sweep(actor)
        return changed

    async def sweep(self, actor: Actor, *, older_than_s: float = SWEEP_AFTER_S) -> int:
        """Remove the studio's stored files that no final names any more (finals made again,
        photos or albums deleted). A file younger than `older_than_s` is spared: its row may be
        on its way (files go up before their rows). Returns how many were removed."""
        async with self.ctx.call(actor, "finals.sweep", audit=False) as call:
            require(actor, Permission.MANAGE_ALBUMS)
            named = set(
                await call.session.scalars(
                    select(Final.library_path).where(Final.tenant_id == actor.tenant_id)
                )
            )
        folder = self.ctx.home.library / STORE / str(actor.tenant_id)
        library = self.ctx.home.library

        def remove() -> int:
            gone, now = 0, time.time()
            for path in folder.glob("*/*"):
                name = path.relative_to(library).as_posix()
                if name in named or path.name.startswith("."):
                    continue
                with contextlib.suppress(FileNotFoundError):
                    if now - path.stat().st_mtime >= older_than_s:
                        path.unlink()  # a zip still sending it reads on: the bytes stay till closed
                        gone += 1
            return gone

        return await asyncio.to_thread(remove)

    def _mtimes(self, paths: Sequence[str]) -> dict[str, int | None]:
        """Each stored file's modification time (None: not in the store): a final's CRC is good
        while its file's is the one recorded."""
        found: dict[str, int | None] = {}
        for path in paths:
            try:
                found[path] = (self.ctx.home.library / path).stat().st_mtime_ns
            except FileNotFoundError:
                found[path] = None
        return found

    # --- a desktop ---------------------------------------------------------------------------

    async def delivered_since(
        self, after: datetime | None, limit: int = 50
    ) -> list[tuple[datetime, uuid.UUID]]:
        """(when it ended, album) of the deliveries ended on this desktop after `after`, oldest
        first: their finals are the ones to send."""
        async with self.ctx.call(None, "finals.delivered", audit=False) as call:
            query = select(Delivery.finished_at, Delivery.album_id).where(
                Delivery.state.in_(("done", "failed")), Delivery.finished_at.is_not(None)
            )
            if after is not None:
                query = query.where(Delivery.finished_at > after)
            rows = await call.session.execute(query.order_by(Delivery.finished_at).limit(limit))
            return [(at, album_id) for at, album_id in rows if at is not None]

    async def sent_until(self) -> datetime | None:
        """How far this desktop's deliveries have had their finals sent to the server."""
        async with self.ctx.call(None, "finals.sent_until", audit=False, read=True) as call:
            mark = await call.session.get(SyncMark, MARK)
            return None if mark is None else mark.finals_sent_until

    async def mark_sent(self, until: datetime) -> None:
        """The finals of the deliveries ended until then are on the server (kept across
        restarts: a desktop does not ask about every delivery again when it starts)."""
        async with self.ctx.call(None, "finals.mark_sent", audit=False) as call:
            mark = await call.session.get(SyncMark, MARK)
            if mark is not None:
                mark.finals_sent_until = until

    async def to_share(self, album_id: uuid.UUID) -> list[FinalToShare]:
        """The finals of an album made here whose files are here, unless it is being delivered
        again right now (its finals go once that delivery ends)."""
        async with self.ctx.call(None, "finals.to_share", audit=False) as call:
            album = await call.session.get(Album, album_id)
            if album is None or Stage(album.stage) is not Stage.FINAL:
                return []
            busy = await call.session.scalar(
                select(Delivery.id).where(
                    Delivery.album_id == album_id, Delivery.state == "delivering"
                )
            )
            if busy is not None:
                return []
            rows = await call.session.scalars(
                select(Final).where(Final.album_id == album_id, Final.library_path != NOT_HERE)
            )
            library = self.ctx.home.library
            return [FinalToShare(album_id, final_row(f), library / f.library_path) for f in rows]

    async def announce(self, album_id: uuid.UUID, finals: Sequence[FinalToShare]) -> None:
        """Once their files are on the server: the finals' rows go to the outbox, for the server
        to take them in through `import_finals`."""
        async with self.ctx.call(None, "finals.announce", audit=False) as call:
            rows = [{k: v for k, v in f.row.items() if k != "album_id"} for f in finals]
            call.command("album.import_finals", album=str(album_id), finals=rows)


async def _put_final(
    session: AsyncSession,
    album: Album,
    facts: dict[str, Any],
    path: str,
    mtime_ns: int | None,
    replaced: list[str],
) -> int:
    final = await session.scalar(
        select(Final).where(Final.photo_id == facts["photo_id"], Final.preset == facts["preset"])
    )
    if final is not None and final.content_hash == facts["content_hash"]:
        if final.filename == facts["filename"]:
            return 0
        final.filename = facts["filename"]  # the same picture under a new name (a renamed album)
        return 1
    if (
        final is not None
        and final.made_at
        and facts["made_at"]
        and final.made_at > facts["made_at"]
    ):
        return 0  # a newer final of this photo and preset came from another desktop
    if final is None:
        final = Final(
            tenant_id=album.tenant_id,
            album_id=album.id,
            photo_id=facts["photo_id"],
            preset=facts["preset"],
        )
        session.add(final)
    else:
        replaced.append(final.library_path)
    final.filename = facts["filename"]
    final.library_path = path
    final.content_hash = facts["content_hash"]
    final.size_bytes = facts["size_bytes"]
    final.width, final.height = facts["width"], facts["height"]
    final.crc32, final.file_mtime_ns = facts["crc32"], mtime_ns
    final.made_at = facts["made_at"] or utcnow()
    await session.flush()
    return 1


def _parsed(facts: Any) -> dict[str, Any]:
    """A final's facts as a desktop sent them, checked."""
    if not isinstance(facts, dict):
        raise Invalid("Each final is described by its facts.")
    try:
        out = {
            "photo_id": uuid.UUID(str(facts["photo_id"])),
            "preset": str(facts["preset"]),
            "filename": str(facts["filename"]),
            "content_hash": facts["content_hash"],
            "suffix": facts["suffix"],
            "size_bytes": facts["size_bytes"],
            "width": facts["width"],
            "height": facts["height"],
            "crc32": facts.get("crc32"),
            "made_at": when(facts.get("made_at")),
        }
    except (KeyError, ValueError, TypeError):
        raise Invalid(
            "A final needs its photo, preset, file name, content, size and pixels."
        ) from None
    check_file(out["content_hash"], out["suffix"], out["size_bytes"])
    for name in ("width", "height"):
        value = out[name]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 1_000_000:
            raise Invalid(f"A final's {name} is a whole number of pixels.")
    crc = out["crc32"]
    if crc is not None and (
        not isinstance(crc, int) or isinstance(crc, bool) or not 0 <= crc < 2**32
    ):
        raise Invalid("A final's CRC-32 is a whole number below 2**32.")
    if not 0 < len(out["filename"]) <= 255 or not 0 < len(out["preset"]) <= 100:
        raise Invalid("A final's file name is 1 to 255 characters, its preset 1 to 100.")
    if "/" in out["filename"] or "\\" in out["filename"]:
        raise Invalid("A final's file name names no folder.")
    return out


async def finals_payload(
    session: AsyncSession, tenant: uuid.UUID, events: Sequence[Event], reset: bool
) -> dict[str, Any]:
    """For a pull: the finals of the albums whose finals the server took in (all on a reset)."""
    albums = {
        e.album_id
        for e in events
        if e.kind is Change.ALBUM_DELIVERY and e.album_id and e.data.get("finals")
    }
    if not reset and not albums:
        return {}
    query = select(Final).where(Final.tenant_id == tenant)
    if not reset:
        query = query.where(Final.album_id.in_(albums))
    return {"finals": [final_row(f) for f in await session.scalars(query)]}


async def put_finals(
    session: AsyncSession, tenant: uuid.UUID, rows: Sequence[dict[str, Any]]
) -> None:
    """Pulled finals into a desktop's catalog, known without their files: a final made here
    keeps its file unless the pulled one is newer (made again on another desktop)."""
    for row in rows:
        photo_id = uuid.UUID(row["photo_id"])
        photo = await session.get(Photo, photo_id)
        if photo is None:
            continue  # its photo went away meanwhile
        final = await session.scalar(
            select(Final).where(Final.photo_id == photo_id, Final.preset == row["preset"])
        )
        made_at = when(row.get("made_at"))
        if final is not None and final.content_hash == row["content_hash"]:
            if final.library_path == NOT_HERE:  # a name given elsewhere; here, this one's own
                final.filename = row["filename"]
            continue
        if (
            final is not None
            and final.library_path != NOT_HERE
            and final.made_at
            and made_at
            and final.made_at >= made_at
        ):
            continue  # this desktop's is the newer one: it goes up at its next sync
        if final is None:
            final = Final(
                tenant_id=tenant, album_id=photo.album_id, photo_id=photo_id, preset=row["preset"]
            )
            session.add(final)
        final.library_path = NOT_HERE
        final.filename = row["filename"]
        final.content_hash = row["content_hash"]
        final.size_bytes = row["size_bytes"]
        final.width, final.height = row["width"], row["height"]
        final.crc32, final.file_mtime_ns = row.get("crc32"), None
        final.made_at = made_at or utcnow()
    await session.flush()


def _write(fh: BinaryIO, hasher: Any, chunk: bytes) -> None:
    fh.write(chunk)
    hasher.update(chunk)


def _close(fh: BinaryIO) -> None:
    fh.flush()
    os.fsync(fh.fileno())
    fh.close()


__all__ = ["FinalToShare", "SharedFinalsService", "check_file", "put_finals", "store_path"]
