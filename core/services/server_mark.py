"""Whether this catalog is a desktop's connected to a studio server: read at every start (a
connected desktop keeps each replayable call in its outbox), so kept apart from the replica's
heavier machinery, which only pulling and pushing changes needs."""

from __future__ import annotations

from sqlalchemy import column, select, table

from core.services.context import ServiceContext

MARK = "server"
# SyncMark's table (core/catalog/sync.py), read as a plain table: starting up makes none of the
# sync tables' models.
_MARKS = table("sync_marks", column("name"), column("server_url"))


async def load_server_mark(ctx: ServiceContext) -> None:
    """Keep commands when this catalog is already connected to a server (at start-up)."""
    async with ctx.call(None, "sync.load", audit=False) as call:
        url = await call.session.scalar(select(_MARKS.c.server_url).where(_MARKS.c.name == MARK))
    ctx.keep_commands = bool(url)
