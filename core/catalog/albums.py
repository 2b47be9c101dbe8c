"""Albums, their photos, the photos' versions, culling marks, the selection and ingest failures."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import core.catalog.tenancy  # noqa: F401  (its tables: this module's foreign keys name them)
from core.catalog.base import Base, TenantOwned


class Album(Base, TenantOwned):
    __tablename__ = "albums"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_albums_tenant_name"),)

    name: Mapped[str] = mapped_column(String(200))
    client_name: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(20), default="raw")
    round: Mapped[int] = mapped_column(default=1)
    min_select: Mapped[int | None]
    max_select: Mapped[int | None]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    trashed_at: Mapped[datetime | None]  # in the studio's trash until it is emptied
    # The export presets (by name) its finals are made through; None: every preset of the studio.
    presets: Mapped[list[Any] | None] = mapped_column(JSON)


class Photo(Base, TenantOwned):
    """One shot, known by its filename stem; its files are its versions."""

    __tablename__ = "photos"
    __table_args__ = (
        UniqueConstraint("album_id", "stem", name="uq_photos_album_stem"),
        Index("ix_photos_album_filename", "album_id", "filename"),
        Index("ix_photos_album_taken", "album_id", "taken_at"),
        Index("ix_photos_album_selected", "album_id", "selected"),
        Index("ix_photos_album_stock", "album_id", "has_stock", "flag"),
    )

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    stem: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    taken_at: Mapped[datetime | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    camera: Mapped[str | None] = mapped_column(String(200))
    lens: Mapped[str | None] = mapped_column(String(200))
    gps_lat: Mapped[float | None]
    gps_lon: Mapped[float | None]
    exif: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Content hash of the file the previews were made from (content-addressed preview cache).
    preview_hash: Mapped[str | None] = mapped_column(String(64))
    previews_ready: Mapped[bool] = mapped_column(default=False)
    # Culling marks, kept on the photo row so that grids and gates read one table.
    stars: Mapped[int] = mapped_column(default=0)
    flag: Mapped[str | None] = mapped_column(String(10))  # "pick" | "reject" | None
    label: Mapped[str | None] = mapped_column(String(10))  # Red, Yellow, Green, Blue, Purple
    selected: Mapped[bool] = mapped_column(default=False)
    # Kept by the import: a stock version exists, or the original is not RAW (it counts as stock).
    # On the photo row so that the Stock gate is one index range, even for 50,000 photos.
    has_stock: Mapped[bool] = mapped_column(default=False)
    selected_by: Mapped[str | None] = mapped_column(String(320))
    selected_at: Mapped[datetime | None]


class PhotoVersion(Base, TenantOwned):
    """A file of a photo: the original, a stock version, a retouched one per round, the final."""

    __tablename__ = "photo_versions"
    __table_args__ = (
        UniqueConstraint("photo_id", "kind", "round", name="uq_versions_photo_kind_round"),
        Index("ix_versions_album_hash", "album_id", "content_hash"),
        Index("ix_versions_album_kind", "album_id", "kind", "photo_id"),
    )

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    photo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # original | stock | retouched | final
    round: Mapped[int] = mapped_column(default=0)  # retouch round; 0 for the other kinds
    filename: Mapped[str] = mapped_column(String(255))
    library_path: Mapped[str] = mapped_column(String(1024))
    content_hash: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    is_raw: Mapped[bool] = mapped_column(default=False)
    source_path: Mapped[str | None] = mapped_column(String(2048))
    added_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class IngestFailure(Base, TenantOwned):
    """A file that could not be imported; it blocks leaving Raw until resolved."""

    __tablename__ = "ingest_failures"
    __table_args__ = (Index("ix_failures_album_open", "album_id", "resolved_at"),)

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    source_path: Mapped[str] = mapped_column(String(2048))
    reason: Mapped[str] = mapped_column(String(500))
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(200))
