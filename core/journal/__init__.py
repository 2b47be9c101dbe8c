"""The change journal: written inside every service call that changes something, followed by
every process (see PRODUCT.md, "A studio on several machines")."""

from core.journal.follower import JournalFollower
from core.journal.store import KEEP_DAYS, compact, entries_after, heads, record

__all__ = ["KEEP_DAYS", "JournalFollower", "compact", "entries_after", "heads", "record"]
