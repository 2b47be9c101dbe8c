"""Live events inside one process: the journal follower publishes every committed change, in
sequence order, to the subscribers of this process (the desktop's views, the portal's galleries,
`photoflow watch`). Edges get an `EventFeed`, which can only subscribe.

A subscriber that stops reading does not hold anyone up: past `size` waiting events its queue is
emptied and it gets one `Change.RESYNC` instead, after which it re-reads what it shows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.changes import Change


@dataclass(frozen=True)
class Event:
    """A committed change (``seq`` is its number in the studio's journal), or a hint from this
    process that the journal does not keep (``seq`` None: a grid thumbnail just written)."""

    kind: Change
    tenant_id: uuid.UUID
    album_id: uuid.UUID | None = None
    photo_id: uuid.UUID | None = None
    data: dict[str, Any] = field(default_factory=dict)
    seq: int | None = None
    actor: str = ""
    at: datetime | None = None


class Subscription:
    def __init__(
        self, hub: EventHub, tenant_id: uuid.UUID | None, album_id: uuid.UUID | None, size: int
    ) -> None:
        self.hub = hub
        self.tenant_id = tenant_id
        self.album_id = album_id
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=size)
        self.resyncs = 0

    def wants(self, event: Event) -> bool:
        if self.tenant_id is not None and event.tenant_id != self.tenant_id:
            return False
        if event.kind is Change.RESYNC:
            return True
        return self.album_id is None or event.album_id == self.album_id

    def offer(self, event: Event) -> None:
        if self.queue.full():
            while not self.queue.empty():
                self.queue.get_nowait()
            self.resyncs += 1
            event = Event(Change.RESYNC, event.tenant_id, seq=event.seq)
        self.queue.put_nowait(event)

    async def get(self) -> Event:
        return await self.queue.get()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iter()

    async def _iter(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()

    def close(self) -> None:
        self.hub._subs.discard(self)


class EventHub:
    """Fans events out to this process's subscribers; fed by the journal follower."""

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()

    def publish(self, event: Event) -> None:
        for sub in list(self._subs):
            if sub.wants(event):
                sub.offer(event)

    def subscribe(
        self,
        tenant_id: uuid.UUID | None = None,
        album_id: uuid.UUID | None = None,
        size: int = 10_000,
    ) -> Subscription:
        sub = Subscription(self, tenant_id, album_id, size)
        self._subs.add(sub)
        return sub

    @contextmanager
    def subscription(
        self, tenant_id: uuid.UUID | None = None, album_id: uuid.UUID | None = None
    ) -> Iterator[Subscription]:
        sub = self.subscribe(tenant_id, album_id)
        try:
            yield sub
        finally:
            sub.close()

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)


class EventFeed:
    """What edges may do with live events: subscribe, and nothing else."""

    def __init__(self, hub: EventHub) -> None:
        self._hub = hub

    def subscribe(
        self,
        tenant_id: uuid.UUID | None = None,
        album_id: uuid.UUID | None = None,
        size: int = 10_000,
    ) -> Subscription:
        return self._hub.subscribe(tenant_id, album_id, size)

    def subscription(
        self, tenant_id: uuid.UUID | None = None, album_id: uuid.UUID | None = None
    ) -> Any:
        return self._hub.subscription(tenant_id, album_id)

    @property
    def subscriber_count(self) -> int:
        return self._hub.subscriber_count
