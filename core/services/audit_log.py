"""Reading the audit log: what was attempted, by whom, with what outcome and how long it took."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.catalog import AuditEvent
from core.policies import Actor, Permission, require
from core.services.albums import find_album
from core.services.context import ServiceContext


@dataclass(frozen=True)
class AuditEntry:
    id: uuid.UUID
    at: datetime
    actor: str
    action: str
    target: str | None
    outcome: str
    message: str | None
    duration_ms: float
    detail: dict[str, Any]


class AuditService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def events(
        self,
        actor: Actor,
        *,
        album: str | uuid.UUID | None = None,
        action: str | None = None,
        outcome: str | None = None,
        who: str | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Newest first; scoped to the actor's studio."""
        async with self.ctx.call(actor, "audit.read", audit=False) as call:
            require(actor, Permission.VIEW_AUDIT)
            query = select(AuditEvent).where(AuditEvent.tenant_id == actor.tenant_id)
            if album is not None:
                found = await find_album(call.session, actor, album)
                query = query.where(AuditEvent.album_id == found.id)
            if action:
                query = query.where(AuditEvent.action.startswith(action))
            if outcome:
                query = query.where(AuditEvent.outcome == outcome)
            if who:
                query = query.where(AuditEvent.actor.contains(who))
            rows = await call.session.scalars(
                query.order_by(AuditEvent.at.desc()).limit(max(1, min(limit, 10_000)))
            )
            return [
                AuditEntry(
                    e.id,
                    e.at,
                    e.actor,
                    e.action,
                    e.target,
                    e.outcome,
                    e.message,
                    e.duration_ms,
                    dict(e.detail or {}),
                )
                for e in rows
            ]
