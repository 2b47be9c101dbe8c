"""What wakes a journal follower when another process commits.

SQLite: a commit always writes the catalog's WAL file (or, after a checkpoint, the catalog file).
On Linux the kernel tells us (inotify on the home folder), so a follower costs nothing while
nothing changes; elsewhere a `stat()` of those two files every POLL_S notices it with no query
and no lock (a change whose timestamp is too fresh to trust, as file times move in coarse
ticks, is checked again on the next round). PostgreSQL: LISTEN on a connection of its own, outside any pool (a transaction-mode
pooler cannot carry LISTEN), reconnected with backoff; every (re)connect catches up by sequence,
so a notification lost while the connection was down loses nothing. Both also wake every
FALLBACK_S, the last line of defence.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from core.journal.store import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

POLL_S = 0.025
FALLBACK_S = 5.0
SETTLE_S = (0.01, 0.05, 0.2)
FRESH_NS = 50_000_000  # a file time this close to now may hide a second commit in its tick


def _signature(paths: list[Path]) -> tuple[tuple[int, int, int], ...]:
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            out.append((0, 0, 0))
        else:
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


async def watch_catalog_files(catalog: Path, wake: Callable[[], None]) -> None:
    """Wake whenever the SQLite catalog (or its WAL) is written by any process."""
    inotify = _Inotify.open(catalog.parent)
    if inotify is not None:
        try:
            await _watch_with_inotify(inotify, catalog, wake)
        finally:
            inotify.close()
        return
    paths = [catalog, catalog.with_name(catalog.name + "-wal")]
    seen = _signature(paths)
    fallback_at = time.monotonic() + FALLBACK_S
    while True:
        await asyncio.sleep(POLL_S)
        now_sig = _signature(paths)
        fresh = any(time.time_ns() - mtime < FRESH_NS for _i, _s, mtime in now_sig)
        if now_sig != seen or fresh or time.monotonic() >= fallback_at:
            seen = now_sig
            fallback_at = time.monotonic() + FALLBACK_S
            wake()


async def _watch_with_inotify(inotify: _Inotify, catalog: Path, wake: Callable[[], None]) -> None:
    """Linux: the kernel says when the catalog's files are written; nothing runs in between."""
    names = {catalog.name.encode(), (catalog.name + "-wal").encode()}
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()
    loop.add_reader(inotify.fd, ready.set)
    try:
        while True:
            try:
                await asyncio.wait_for(ready.wait(), FALLBACK_S)
                timed_out = False
            except TimeoutError:
                timed_out = True
            ready.clear()
            touched = inotify.read_names()
            if timed_out or touched is None or touched & names:
                wake()
                # The WAL's bytes are written before the commit is published in its index
                # (shared memory, which raises no event): look again once it has settled.
                for delay in SETTLE_S:
                    loop.call_later(delay, wake)
    finally:
        loop.remove_reader(inotify.fd)


class _Inotify:
    """inotify(7) on one folder through libc: modified, created and renamed-in files."""

    IN_MODIFY, IN_MOVED_TO, IN_CREATE, IN_NONBLOCK = 0x2, 0x80, 0x100, 0o4000

    def __init__(self, libc: ctypes.CDLL, fd: int) -> None:
        self.libc, self.fd = libc, fd

    @classmethod
    def open(cls, folder: Path) -> _Inotify | None:
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(cls.IN_NONBLOCK | os.O_CLOEXEC)
            if fd < 0:
                return None
            mask = cls.IN_MODIFY | cls.IN_CREATE | cls.IN_MOVED_TO
            if libc.inotify_add_watch(fd, str(folder).encode(), mask) < 0:
                os.close(fd)
                return None
        except (OSError, AttributeError):
            return None
        return cls(libc, fd)

    def read_names(self) -> set[bytes] | None:
        """The names of the files touched since the last read (None: events were lost)."""
        names: set[bytes] = set()
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return names
            offset = 0
            while offset + 16 <= len(data):
                _wd, mask, _cookie, size = struct.unpack_from("iIII", data, offset)
                if mask & 0x4000:  # IN_Q_OVERFLOW
                    return None
                names.add(data[offset + 16 : offset + 16 + size].rstrip(b"\0"))
                offset += 16 + size

    def close(self) -> None:
        os.close(self.fd)


async def listen_postgres(
    url: str, wake: Callable[[], None], heard: Callable[[str], None] | None = None
) -> None:
    """Hand every journal NOTIFY's payload to `heard` (else just wake); reconnect (and catch up)
    whenever the connection drops."""
    import asyncpg  # only the processes that follow a PostgreSQL catalog need it

    on_notify = heard or (lambda _payload: wake())
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    backoff = 0.2
    while True:
        lost = asyncio.Event()
        conn = None
        try:
            conn = await asyncpg.connect(dsn, timeout=10)
            conn.add_termination_listener(lambda _c, lost=lost: lost.set())
            await conn.add_listener(
                NOTIFY_CHANNEL, lambda _conn, _pid, _channel, payload: on_notify(payload)
            )
            backoff = 0.2
            wake()  # catch up on whatever was committed while we were not listening
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), FALLBACK_S)
                wake()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the server is away: keep trying, quietly
            log.warning("journal: cannot listen on the studio database (%s); retrying", exc)
        finally:
            if conn is not None and not conn.is_closed():
                with contextlib.suppress(Exception):
                    await asyncio.shield(conn.close(timeout=2))
        wake()
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, 5.0)
