"""Reading the change journal: what changed in the studio since a sequence number a script or a
view remembers (`photoflow watch --since N`), before it follows the live changes."""

from __future__ import annotations

import uuid

from core.events import Event
from core.journal.store import READ_BATCH, entries_after, head_of
from core.policies import Actor, Permission, require
from core.services.albums import find_album
from core.services.context import ServiceContext


class JournalService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def newest(self, actor: Actor) -> int:
        """The studio's newest sequence number (0 before its first change)."""
        async with self.ctx.call(actor, "journal.newest", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            seq, _compacted = await head_of(call.session, actor.tenant_id)
            return seq

    async def since(
        self,
        actor: Actor,
        seq: int,
        *,
        album: str | uuid.UUID | None = None,
        limit: int = READ_BATCH,
    ) -> tuple[list[Event], bool]:
        """The studio's changes numbered above `seq`, oldest first, and whether some older than
        the ones asked for were already compacted away (then the caller re-reads everything)."""
        async with self.ctx.call(actor, "journal.read", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album_id = (await find_album(call.session, actor, album)).id if album else None
            _head, compacted = await head_of(call.session, actor.tenant_id)
            events = await entries_after(
                call.session, actor.tenant_id, seq, album_id=album_id, limit=limit
            )
            return events, compacted > seq
