"""What a journal NOTIFY carries: the entries themselves when they fit, so that a follower on
PostgreSQL publishes another process's change without reading it back; else only the number."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from core.changes import Change
from core.events import Event
from core.journal.store import NOTIFY_MAX, notice, read_notice


def test_a_notice_carries_its_entries_and_reads_back_the_same() -> None:
    tenant, album, photo = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 12, 2, 1, 2, 3, tzinfo=UTC)
    events = [
        Event(
            Change.FEEDBACK_PICK, tenant, album, photo, {"picked": True}, seq=41, actor="Ann", at=at
        ),
        Event(
            Change.ALBUM_CHANGED, tenant, album, None, {"max_select": 2}, seq=42, actor="Ada", at=at
        ),
    ]
    said = notice(tenant, 42, events)
    assert said.startswith(f"{tenant}:42\n")
    assert read_notice(said) == (tenant, 42, events)


def test_a_notice_too_big_for_postgres_carries_only_the_number() -> None:
    tenant = uuid.uuid4()
    big = Event(
        Change.FEEDBACK_COMMENT, tenant, data={"text": "x" * NOTIFY_MAX}, seq=7, actor="Ann"
    )
    said = notice(tenant, 7, [big])
    assert said == f"{tenant}:7"
    assert read_notice(said) == (tenant, 7, None)
    assert read_notice("not ours") is None
