"""Whether this catalog is a desktop's connected to a studio server: read at every start (a
connected desktop keeps each replayable call in its outbox), so kept apart from the replica's
heavier machinery, which only pulling and pushing changes needs."""

from __future__ import annotations

from core.catalog import SyncMark
from core.services.context import ServiceContext

MARK = "server"


async def load_server_mark(ctx: ServiceContext) -> None:
    """Keep commands when this catalog is already connected to a server (at start-up)."""
    async with ctx.call(None, "sync.load", audit=False) as call:
        mark = await call.session.get(SyncMark, MARK)
    ctx.keep_commands = mark is not None and bool(mark.server_url)
