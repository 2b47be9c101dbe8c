"""Reading the audit log: what was attempted, by whom, with what outcome and how long it took."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from core.catalog import AuditEvent
from core.catalog.base import utcnow
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


@dataclass(frozen=True)
class ActionFigures:
    """How one kind of call fared: how often, how long, how often it was not done."""

    action: str
    calls: int
    not_done: int  # refused, denied or failed
    avg_ms: float
    max_ms: float


@dataclass(frozen=True)
class CallFigures:
    """An admin's look at the last day: the slowest calls and the most refused ones."""

    since: datetime
    slowest: list[ActionFigures]
    most_refused: list[ActionFigures]


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

    async def call_figures(self, actor: Actor, *, hours: int = 24, limit: int = 10) -> CallFigures:
        """The studio's audited calls of the last `hours`, grouped by action: the slowest on
        average, and those most often refused, denied or failed."""
        async with self.ctx.call(actor, "audit.figures", audit=False) as call:
            require(actor, Permission.VIEW_AUDIT)
            since = utcnow() - timedelta(hours=max(1, hours))
            not_done = func.sum(case((AuditEvent.outcome != "ok", 1), else_=0))
            avg = func.avg(AuditEvent.duration_ms)
            grouped = (
                select(
                    AuditEvent.action,
                    func.count(),
                    not_done,
                    avg,
                    func.max(AuditEvent.duration_ms),
                )
                .where(AuditEvent.tenant_id == actor.tenant_id, AuditEvent.at >= since)
                .group_by(AuditEvent.action)
            )
            limit = max(1, min(limit, 100))
            slow = await call.session.execute(
                grouped.order_by(avg.desc(), AuditEvent.action).limit(limit)
            )
            refused = await call.session.execute(
                grouped.having(not_done > 0)
                .order_by(not_done.desc(), AuditEvent.action)
                .limit(limit)
            )

            def figures(rows: Any) -> list[ActionFigures]:
                return [
                    ActionFigures(a, int(n), int(bad or 0), float(mean or 0), float(top or 0))
                    for a, n, bad, mean, top in rows
                ]

            return CallFigures(since, figures(slow), figures(refused))
