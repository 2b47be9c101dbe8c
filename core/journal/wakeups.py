"""What wakes a journal follower when another process commits.

SQLite: a commit always writes the catalog's WAL file (or, after a checkpoint, the catalog file),
so a `stat()` of those two files every POLL_S notices it with no query and no lock; a change
whose timestamp is too fresh to trust (file times move in coarse ticks) is checked again on the
next round. PostgreSQL: LISTEN on a connection of its own, outside any pool (a transaction-mode
pooler cannot carry LISTEN), reconnected with backoff; every (re)connect catches up by sequence,
so a notification lost while the connection was down loses nothing. Both also wake every
FALLBACK_S, the last line of defence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from core.journal.store import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

POLL_S = 0.025
FALLBACK_S = 5.0
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


async def listen_postgres(url: str, wake: Callable[[], None]) -> None:
    """Wake on every journal NOTIFY; reconnect (and catch up) whenever the connection drops."""
    import asyncpg  # only the processes that follow a PostgreSQL catalog need it

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    backoff = 0.2
    while True:
        lost = asyncio.Event()
        conn = None
        try:
            conn = await asyncpg.connect(dsn, timeout=10)
            conn.add_termination_listener(lambda _c, lost=lost: lost.set())
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_args: wake())
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
