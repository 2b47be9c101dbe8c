"""The change journal: what every committed service call changed, per studio, in commit order."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

import core.catalog.tenancy  # noqa: F401  (its tables: this module's foreign keys name them)
from core.catalog.base import Base, utcnow


class JournalEntry(Base):
    """One change. `seq` grows by one per entry within a studio and is handed out while the
    writing transaction holds its studio's head row, so entries become visible in `seq` order."""

    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_tenant_at", "tenant_id", "at"),)  # for compaction

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    album_id: Mapped[uuid.UUID | None]
    photo_id: Mapped[uuid.UUID | None]
    actor: Mapped[str] = mapped_column(String(400))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class JournalHead(Base):
    """A studio's newest sequence number, and how far compaction has removed entries."""

    __tablename__ = "journal_heads"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    compacted_to: Mapped[int] = mapped_column(BigInteger, default=0)
