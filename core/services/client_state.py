"""What the portal keeps about links and visitors that every portal process must share: wrong
PINs, and the key that signs visitors' session cookies. Both live in the catalog, so that two
portal processes on one PostgreSQL database count a guesser's PINs together, a restart forgives
nothing, and a visitor let in by one process is known to the other.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import PinFailure, PortalSecret
from core.catalog.base import utcnow
from core.fsutil import home_key
from core.services.context import ServiceContext

log = logging.getLogger(__name__)

PIN_LIMIT = 5
PIN_LOCKOUT_S = 15 * 60
PRUNE_EVERY_S = 60.0
SESSION_KEY = "portal.session"


@dataclass(frozen=True)
class Attempt:
    """A PIN attempt let through: counted already (`ids`), and how long the keys would be locked
    for if it turns out wrong (0: not locked yet)."""

    ids: tuple[int, ...]
    wait_if_wrong: int


class PinLimiter:
    """Wrong PINs per key in a sliding window, counted in the catalog: `limit` of them within
    `window_s` lock the key until the oldest of those leaves the window.

    An attempt is counted before its PIN is checked, under a lock on its keys (an advisory
    transaction lock on PostgreSQL; SQLite has one writer at a time), so guesses sent all at once,
    to one process or to several, cannot slip past the limit while the first ones are checked;
    the right PIN takes its attempt back."""

    def __init__(
        self,
        ctx: ServiceContext,
        limit: int = PIN_LIMIT,
        window_s: float = PIN_LOCKOUT_S,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.ctx, self.limit, self.window_s, self.clock = ctx, limit, window_s, clock
        self._pruned_at = 0.0

    def _wait(self, times: list[datetime], now: datetime) -> int:
        """Seconds until a key with these failures (oldest first) may try again; 0: now."""
        if len(times) < self.limit:
            return 0
        until = times[-self.limit] + timedelta(seconds=self.window_s)
        return max(1, int((until - now).total_seconds()) + 1)

    async def attempt(self, keys: Sequence[str]) -> Attempt | int:
        """Count one attempt against every key, or the seconds to wait if any key is locked."""
        keys = sorted(set(keys))  # locks always taken in one order: no deadlock
        async with self.ctx.call(None, "link.pin_attempt", audit=False) as call:
            session = call.session
            await _lock(session, keys)
            now = self.clock()
            cutoff = now - timedelta(seconds=self.window_s)
            rows = await session.execute(
                select(PinFailure.key, PinFailure.at)
                .where(PinFailure.key.in_(keys), PinFailure.at > cutoff)
                .order_by(PinFailure.at, PinFailure.id)
            )
            times: dict[str, list[datetime]] = {k: [] for k in keys}
            for key, at in rows:
                times[key].append(at)
            wait = max(self._wait(t, now) for t in times.values())
            if wait:
                return wait
            failures = [PinFailure(key=k, at=now) for k in keys]
            session.add_all(failures)
            await session.flush()
            if time.monotonic() - self._pruned_at > PRUNE_EVERY_S:
                self._pruned_at = time.monotonic()
                await session.execute(delete(PinFailure).where(PinFailure.at <= cutoff))
            return Attempt(
                tuple(f.id for f in failures),
                max(self._wait([*t, now], now) for t in times.values()),
            )

    async def forgive(self, attempt: Attempt) -> None:
        """The attempt turned out right (or could not be checked): it does not count."""
        async with self.ctx.call(None, "link.pin_forgiven", audit=False) as call:
            await call.session.execute(delete(PinFailure).where(PinFailure.id.in_(attempt.ids)))


async def _lock(session: AsyncSession, keys: list[str]) -> None:
    if _dialect(session) != "postgresql":
        return  # SQLite: the transaction began IMMEDIATE, the only writer until it ends
    for key in keys:
        await session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"pin:{key}", 0)))
        )


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def session_key(ctx: ServiceContext) -> bytes:
    """The key that signs the portal's session cookies, the same for every portal process.

    SQLite (one seat, one home): the home's portal.key file, as always. PostgreSQL: a row of the
    catalog, made once by whichever process asks first (an insert that never replaces another's);
    a home that already had a key offers it, so galleries open before the upgrade stay open."""
    if ctx.db.is_sqlite:
        key = home_key(ctx.home.root / "portal.key")
        assert key is not None
        return key
    async with ctx.call(None, "portal.session_key", audit=False) as call:
        offered = home_key(ctx.home.root / "portal.key", create=False) or secrets.token_bytes(32)
        insert = postgresql.insert if _dialect(call.session) == "postgresql" else sqlite.insert
        await call.session.execute(
            insert(PortalSecret)
            .values(name=SESSION_KEY, value=offered, made_at=utcnow())
            .on_conflict_do_nothing(index_elements=[PortalSecret.name])
        )
        stored = await call.session.scalar(
            select(PortalSecret.value).where(PortalSecret.name == SESSION_KEY)
        )
    assert stored is not None
    return bytes(stored)
