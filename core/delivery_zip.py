"""A zip of finals, written while it is sent: no temporary file, memory flat, any size.

Finals are already compressed (JPEG) or meant to be kept bit for bit (TIFF), so every member is
STORED. Each member's local header says its sizes and CRC follow it (a data descriptor, flag bit
3), so the CRC is computed while the file is read, once; ZIP64 records make members and archives
past 4 GB work. Because nothing is compressed, the archive's exact size is known before the first
byte: the portal sends it as Content-Length, so a browser shows real progress.

The same writer serves the client's "download all" in the portal and the studio's "Save finals
as zip" on the desktop and the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from core.fsutil import fsync_dir, safe_part, temp_path_for

CHUNK = 2 * 1024 * 1024
_MAX32 = 0xFFFFFFFF
_FLAGS = 0x0008 | 0x0800  # sizes and CRC in a data descriptor; names in UTF-8
_VERSION = 45  # ZIP64
_MADE_BY = (3 << 8) | _VERSION  # Unix, so the mode below is read as one
_MODE = (0o100644 << 16) & _MAX32


class CrcMemory:
    """The CRC-32 of files sent lately, by the file's identity (device, inode, size, change
    time): a final is written once (temp file, rename: a new inode) and never changed, so a
    second download of it skips the CRC pass, the largest cost of sending it. Bounded; shared
    by the threads that read for every download of the process."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self._crcs: OrderedDict[tuple[int, ...], int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, identity: tuple[int, ...]) -> int | None:
        with self._lock:
            return self._crcs.get(identity)

    def put(self, identity: tuple[int, ...], crc: int) -> None:
        with self._lock:
            self._crcs[identity] = crc
            while len(self._crcs) > self.limit:
                self._crcs.popitem(last=False)


CRCS = CrcMemory()


def _identity(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class ZipMismatch(OSError):
    """A file changed size while it was being sent: the archive already announced its size."""


@dataclass(frozen=True)
class Member:
    """One file of the archive: its name inside, where it is, and its size in bytes."""

    name: str
    path: Path
    size: int
    mtime: datetime | None = None
    # The CRC-32 recorded when the file was made, good while its modification time is this one
    # (a file rewritten since has another): then the zip reads the file once, only to send it.
    crc32: int | None = None
    crc_mtime_ns: int | None = None

    def known_crc(self, stat: os.stat_result) -> int | None:
        if self.crc32 is None or self.crc_mtime_ns is None:
            return None
        if stat.st_mtime_ns != self.crc_mtime_ns or stat.st_size != self.size:
            return None
        return self.crc32


def _dos_time(when: datetime | None) -> tuple[int, int]:
    if when is None or when.year < 1980:
        return 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00
    return (
        (when.hour << 11) | (when.minute << 5) | (when.second // 2),
        ((when.year - 1980) << 9) | (when.month << 5) | when.day,
    )


def _local_header(name: bytes, when: tuple[int, int]) -> bytes:
    # Sizes unknown here: 0xFFFFFFFF and a ZIP64 extra of zeros, so the descriptor is ZIP64 too.
    extra = struct.pack("<HHQQ", 0x0001, 16, 0, 0)
    return (
        struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            _VERSION,
            _FLAGS,
            0,  # STORED
            when[0],
            when[1],
            0,
            _MAX32,
            _MAX32,
            len(name),
            len(extra),
        )
        + name
        + extra
    )


def _descriptor(crc: int, size: int) -> bytes:
    return struct.pack("<IIQQ", 0x08074B50, crc, size, size)


def _central(name: bytes, when: tuple[int, int], crc: int, size: int, offset: int) -> bytes:
    zip64: list[int] = []
    if size >= _MAX32:
        zip64 += [size, size]
    if offset >= _MAX32:
        zip64.append(offset)
    extra = struct.pack(f"<HH{len(zip64)}Q", 0x0001, 8 * len(zip64), *zip64) if zip64 else b""
    short = _MAX32 if size >= _MAX32 else size
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            _MADE_BY,
            _VERSION,
            _FLAGS,
            0,
            when[0],
            when[1],
            crc,
            short,
            short,
            len(name),
            len(extra),
            0,
            0,
            0,
            _MODE,
            _MAX32 if offset >= _MAX32 else offset,
        )
        + name
        + extra
    )


def _central_size(name: bytes, size: int, offset: int) -> int:
    fields = (2 if size >= _MAX32 else 0) + (1 if offset >= _MAX32 else 0)
    return 46 + len(name) + (4 + 8 * fields if fields else 0)


def _end(count: int, cd_offset: int, cd_size: int) -> bytes:
    out = b""
    if count >= 0xFFFF or cd_offset >= _MAX32 or cd_size >= _MAX32:
        end64 = cd_offset + cd_size
        out += struct.pack(
            "<IQHHIIQQQQ", 0x06064B50, 44, _MADE_BY, _VERSION, 0, 0, count, count, cd_size,
            cd_offset,
        )  # fmt: skip
        out += struct.pack("<IIQI", 0x07064B50, 0, end64, 1)
    out += struct.pack(
        "<IHHHHIIH",
        0x06054B50,
        0,
        0,
        min(count, 0xFFFF),
        min(count, 0xFFFF),
        min(cd_size, _MAX32),
        min(cd_offset, _MAX32),
        0,
    )
    return out


def unique_names(names: Iterable[str]) -> list[str]:
    """The names as given, a second `a.jpg` becoming `a-2.jpg`: a zip holds each name once.
    Kept inside the archive (or folder): split on either slash, parts made safe, and empty,
    "." and ".." parts dropped."""
    seen: set[str] = set()
    out = []
    for name in names:
        parts = (safe_part(p) for p in re.split(r"[\\/]", name))
        clean = "/".join(p for p in parts if p) or "photo"
        stem, dot, ext = clean.rpartition(".")
        if not dot:
            stem, ext = clean, ""
        candidate, n = clean, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{stem}-{n}.{ext}" if dot else f"{stem}-{n}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out


class FinalsZip:
    """The archive of `members`, as bytes produced on demand (`chunks`), with its exact size."""

    def __init__(self, members: Iterable[Member], chunk: int = CHUNK) -> None:
        given = list(members)
        names = unique_names(m.name for m in given)
        self.members = [replace(m, name=n) for n, m in zip(names, given, strict=True)]
        self.chunk = chunk

    @property
    def size(self) -> int:
        """The archive's size in bytes, known before it is written."""
        offset = central = 0
        for m in self.members:
            name = m.name.encode()
            central += _central_size(name, m.size, offset)
            offset += 30 + len(name) + 20 + m.size + 24
        return offset + central + len(_end(len(self.members), offset, central))

    def chunks(self) -> Iterator[bytes]:
        """The archive, a piece at a time (blocking reads: run it off the event loop)."""
        offset = 0
        central: list[bytes] = []
        for m in self.members:
            name = m.name.encode()
            when = _dos_time(m.mtime)
            header = _local_header(name, when)
            yield header
            crc, sent = 0, 0
            with m.path.open("rb") as f:
                stat = os.fstat(f.fileno())
                identity = _identity(stat)
                known = m.known_crc(stat)
                if known is None:
                    known = CRCS.get(identity)
                while piece := f.read(self.chunk):
                    if known is None:
                        crc = zlib.crc32(piece, crc)
                    sent += len(piece)
                    if sent > m.size:
                        break
                    yield piece
            if sent != m.size:
                raise ZipMismatch(f"{m.path.name} changed while it was being sent.")
            if known is None:
                CRCS.put(identity, crc)
            else:
                crc = known
            yield _descriptor(crc, sent)
            central.append(_central(name, when, crc, sent, offset))
            offset += len(header) + sent + 24
        directory = b"".join(central)
        yield directory + _end(len(self.members), offset, len(directory))

    async def stream(self, executor: Executor | None = None) -> AsyncIterator[bytes]:
        """`chunks` read in a worker thread of `executor` (None: the loop's default), the next
        piece read (and its CRC computed) while this one is sent: the loop never waits on the
        disk, and at most two pieces are in memory per download.

        A thread cannot be stopped: when the download ends early (the client left, the server
        stops), the piece being read is awaited (shielded from the cancellation) and only then
        is the reader closed, so its file is closed and the cancellation goes on unchanged."""
        loop = asyncio.get_running_loop()
        pieces = self.chunks()

        def read_ahead() -> asyncio.Future[bytes | None]:
            return loop.run_in_executor(executor, next, pieces, None)

        def close(done: asyncio.Future[bytes | None]) -> None:
            if not done.cancelled():
                done.exception()  # read: the download ended anyway
            pieces.close()

        ahead = read_ahead()
        try:
            while (piece := await asyncio.shield(ahead)) is not None:
                ahead = read_ahead()
                yield piece
        finally:
            if ahead.done():
                close(ahead)
            else:  # closed once its piece is read, even if this wait is cancelled again
                ahead.add_done_callback(close)
                await asyncio.wait([ahead])

    def write_to(self, out: BinaryIO) -> int:
        written = 0
        for piece in self.chunks():
            out.write(piece)
            written += len(piece)
        return written

    def save(self, path: Path) -> int:
        """The archive written to `path` whole or not at all (temp file, fsync, rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path_for(path)
        try:
            with tmp.open("wb") as out:
                written = self.write_to(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        fsync_dir(path.parent)
        return written


class FinalLike(Protocol):
    """What the studio's finals (services.delivery's FinalView) tell about one file."""

    preset: str
    filename: str
    path: Path
    size_bytes: int
    crc32: int | None
    file_mtime_ns: int | None


def studio_members(finals: Iterable[FinalLike]) -> list[Member]:
    """The studio's finals as archive members: by their own names, each preset in a folder of
    its name when there are several (a print and a web final may share a name)."""
    given = list(finals)
    several = len({f.preset for f in given}) > 1
    return [
        Member(
            f"{safe_part(f.preset, '_')}/{f.filename}" if several else f.filename,
            f.path,
            f.size_bytes,
            crc32=f.crc32,
            crc_mtime_ns=f.file_mtime_ns,
        )
        for f in given
    ]


def export_folder(members: Iterable[Member], folder: Path) -> list[Path]:
    """Copy the members into `folder` under their names, each file whole or not at all (temp
    file, fsync, rename); an existing file of the same name is replaced."""
    written = []
    for m in FinalsZip(members).members:  # the same unique, contained names as in a zip
        dest = folder / m.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path_for(dest)
        try:
            with m.path.open("rb") as src, tmp.open("wb") as out:
                shutil.copyfileobj(src, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        written.append(dest)
    for parent in {p.parent for p in written}:
        fsync_dir(parent)
    return written
