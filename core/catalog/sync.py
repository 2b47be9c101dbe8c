"""What syncing a desktop with a studio server keeps: the desktop's outbox of commands and where
its pulls have got to; the server's record of commands it has applied, and previews sent up."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.catalog.base import Base, utcnow


class OutboxCommand(Base):
    """A service call the desktop made while connected, waiting to be replayed on the server;
    written in the call's own transaction. A refused one stays, as a conflict the user sees."""

    __tablename__ = "outbox"

    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[uuid.UUID] = mapped_column(unique=True)
    action: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(20), default="waiting")  # waiting | conflict
    message: Mapped[str | None] = mapped_column(String(2000))
    answered_at: Mapped[datetime | None]


class SyncMark(Base):
    """The desktop's one row: the server it syncs with, the last journal entry it pulled."""

    __tablename__ = "sync_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    server_url: Mapped[str] = mapped_column(String(1000), default="")
    pulled_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    synced_at: Mapped[datetime | None]
    # Desktop-only, and not a tenant column: the studio this catalog mirrors.
    studio_id: Mapped[uuid.UUID | None]
    # The deliveries ended here until then have had their finals sent to the server.
    finals_sent_until: Mapped[datetime | None]


class AppliedCommand(Base):
    """A command the server has replayed, in the same transaction as its changes (or, refused,
    right after): a retry with the same key gets this answer and applies nothing again."""

    __tablename__ = "applied_commands"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    key: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))  # applied | refused | denied | invalid
    message: Mapped[str | None] = mapped_column(String(2000))
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)


class PreviewBlob(Base):
    """A grid or loupe preview a desktop sent up, kept in the database so that every server
    process of a studio can serve it (originals stay on the desktops)."""

    __tablename__ = "preview_blobs"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[str] = mapped_column(String(20), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)
