"""Delivery: the finals made from an album's approved photos through export presets, and the job
that makes them (one per delivery, resumable: a final is recorded as soon as its file is whole)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import core.catalog.albums  # noqa: F401  (its tables: this module's foreign keys name them)
from core.catalog.base import Base, TenantOwned, utcnow


class Final(Base, TenantOwned):
    """One photo's final file through one preset, in the library's `final/` folder."""

    __tablename__ = "finals"
    __table_args__ = (
        UniqueConstraint("photo_id", "preset", name="uq_finals_photo_preset"),
        Index("ix_finals_album_preset", "album_id", "preset"),
    )

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    photo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    preset: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))  # after the preset's rename template
    library_path: Mapped[str] = mapped_column(String(1024))  # relative to the library
    content_hash: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int]
    height: Mapped[int]
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The file's CRC-32 as made, good while its modification time is this one: the first zip of
    # an album then reads each file once, to send it, and not a second time for its checksum.
    crc32: Mapped[int | None] = mapped_column(BigInteger)
    file_mtime_ns: Mapped[int | None] = mapped_column(BigInteger)


class Delivery(Base, TenantOwned):
    """One run of making an album's finals: through which presets, how far it got, how it ended.
    `runner` ("host:pid") is the process making it; another takes it over once that one is gone."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_album_started", "album_id", "started_at"),)

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    presets: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), default="delivering")  # delivering|done|failed
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    problem: Mapped[str | None] = mapped_column(String(2000))
    runner: Mapped[str | None] = mapped_column(String(300))
