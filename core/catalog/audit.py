"""The audit log: every service call that changed or tried to change something, with its duration."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.catalog.base import Base, utcnow


class AuditEvent(Base):
    """Append-only; tenant_id is null only for installation-wide actions (creating a studio)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_tenant_at", "tenant_id", "at"),
        Index("ix_audit_album", "album_id", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(index=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(400))
    actor_id: Mapped[uuid.UUID | None]
    link_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(100))
    target_type: Mapped[str | None] = mapped_column(String(50))
    target_id: Mapped[uuid.UUID | None]
    target: Mapped[str | None] = mapped_column(String(400))
    album_id: Mapped[uuid.UUID | None]
    outcome: Mapped[str] = mapped_column(String(20))  # ok | refused | denied | failed
    message: Mapped[str | None] = mapped_column(String(2000))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration_ms: Mapped[float]
