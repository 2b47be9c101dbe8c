"""The change journal: written inside every service call that changes something, followed by
every process (see PRODUCT.md, "A studio on several machines").

The follower (and its file and PostgreSQL wake-ups) loads when first named: a one-shot command
writes or reads the journal without following it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.journal.store import KEEP_DAYS, compact, entries_after, heads, record

if TYPE_CHECKING:
    from core.journal.follower import JournalFollower

__all__ = ["KEEP_DAYS", "JournalFollower", "compact", "entries_after", "heads", "record"]


def __getattr__(name: str) -> object:
    if name == "JournalFollower":
        from core.journal.follower import JournalFollower

        return JournalFollower
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
