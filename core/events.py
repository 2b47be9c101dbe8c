"""In-process live events: services publish what changed after they commit; the desktop grid and
the portal's open galleries subscribe. Slow subscribers never block a service: their queue is
bounded and the oldest event is dropped (they re-read the catalog on `resync`)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    """kind: album.stage, photo.marks, photo.version, feedback.pick, feedback.comment, ..."""

    kind: str
    tenant_id: uuid.UUID
    album_id: uuid.UUID | None = None
    photo_id: uuid.UUID | None = None
    data: dict[str, Any] = field(default_factory=dict)


class Subscription:
    def __init__(
        self, hub: EventHub, tenant_id: uuid.UUID | None, album_id: uuid.UUID | None, size: int
    ) -> None:
        self.hub = hub
        self.tenant_id = tenant_id
        self.album_id = album_id
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=size)
        self.dropped = 0

    def wants(self, event: Event) -> bool:
        if self.tenant_id is not None and event.tenant_id != self.tenant_id:
            return False
        return self.album_id is None or event.album_id == self.album_id

    def offer(self, event: Event) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
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
        size: int = 1000,
    ) -> Subscription:
        sub = Subscription(self, tenant_id, album_id, size)
        self._subs.add(sub)
        return sub

    @contextmanager
    def subscription(self, tenant_id: uuid.UUID | None = None, album_id: uuid.UUID | None = None):  # type: ignore[no-untyped-def]
        sub = self.subscribe(tenant_id, album_id)
        try:
            yield sub
        finally:
            sub.close()

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)
