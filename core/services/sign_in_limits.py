"""Counting wrong sign-ins (passwords, invitation codes) per key in a sliding window.

`SignInLimiter` has the shape of the portal's PIN limiter in the catalog (fleet's
core/services/client_state.PinLimiter: `attempt(keys)` then `forgive(attempt)`), so that one
shared by every server process can take the place of the in-process `MemoryLimiter` here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class SignInLimiter(Protocol):
    async def attempt(self, keys: Sequence[str]) -> Any:
        """Count one attempt against every key: the counted attempt, or, when a key is locked,
        the seconds to wait (an int) and nothing counted."""
        ...

    async def forgive(self, attempt: Any) -> None:
        """The attempt turned out right (or could not be checked): it does not count."""
        ...


@dataclass(frozen=True)
class Counted:
    keys: tuple[str, ...]
    at: float


class MemoryLimiter:
    """`limit` failures of a key within `window_s` lock it until the oldest leaves the window.
    In this process only: a restart forgives, and another server process counts apart."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._failures: dict[str, list[float]] = {}

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(key, ()) if now - t < self.window_s]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def _wait(self, key: str, now: float) -> int:
        times = self._recent(key, now)
        if len(times) < self.limit:
            return 0
        return int(times[-self.limit] + self.window_s - now) + 1

    async def attempt(self, keys: Sequence[str]) -> Counted | int:
        now = self.clock()
        wait = max((self._wait(k, now) for k in keys), default=0)
        if wait:
            return wait
        for key in keys:
            self._failures.setdefault(key, []).append(now)
        if len(self._failures) > 100_000:  # bound memory under a flood of addresses
            for stale in list(self._failures)[:50_000]:
                self._failures.pop(stale, None)
        return Counted(tuple(keys), now)

    async def forgive(self, attempt: Counted) -> None:
        for key in attempt.keys:
            times = self._failures.get(key)
            if times and attempt.at in times:
                times.remove(attempt.at)
