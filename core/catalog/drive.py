"""What Google Drive sync keeps per studio: each album's Drive folders and where its feeds have
got to, the last synced state of every file (the base of the three-way comparison), tombstones
of files deleted on one side, and conflict copies the people of the studio should look at."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import core.catalog.albums  # noqa: F401  (its tables: this module's foreign keys name them)
from core.catalog.base import Base, TenantOwned


class DriveAlbum(Base, TenantOwned):
    """An album's Drive folder and its sub-folders (by their path in the album: `Originals`,
    `Retouched/Round 2`), the changes page token and the journal entry its last sync reached,
    and the state people see (in sync, uploading 12 of 240, conflict, paused)."""

    __tablename__ = "drive_albums"
    __table_args__ = (UniqueConstraint("album_id", name="uq_drive_albums_album"),)

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    folder_id: Mapped[str] = mapped_column(String(200))
    folders: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    page_token: Mapped[str | None] = mapped_column(String(200))
    journal_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    account: Mapped[str | None] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(20), default="new")
    message: Mapped[str | None] = mapped_column(String(2000))
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    synced_at: Mapped[datetime | None]


class DriveFile(Base, TenantOwned):
    """A photo version or final as last synced: the same file here (content hash) and in Drive
    (id, md5, version, name, folder). A final is one per photo and export preset (`preset`, the
    preset's folder name; empty for a photo version). A tombstone (`deleted_on` set) says the
    file was deleted on that side and must not come back from the other."""

    __tablename__ = "drive_files"
    __table_args__ = (
        UniqueConstraint(
            "album_id", "photo_id", "kind", "round", "preset", name="uq_drive_files_slot"
        ),
        Index("ix_drive_files_file", "drive_file_id"),
    )

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    photo_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(10))
    round: Mapped[int] = mapped_column(default=0)
    preset: Mapped[str] = mapped_column(String(100), default="", server_default="")
    content_hash: Mapped[str | None] = mapped_column(String(64))
    drive_file_id: Mapped[str] = mapped_column(String(200))
    md5: Mapped[str | None] = mapped_column(String(32))
    drive_version: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(255))
    folder: Mapped[str] = mapped_column(String(100))
    deleted_on: Mapped[str | None] = mapped_column(String(10))  # "drive" | "here" | None


class DriveConflict(Base, TenantOwned):
    """A file changed on both sides: the studio's stays the version, Drive's is kept beside it
    as a named conflict copy, here (library path) and in Drive, until someone settles it."""

    __tablename__ = "drive_conflicts"
    __table_args__ = (Index("ix_drive_conflicts_album_open", "album_id", "resolved_at"),)

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    photo_id: Mapped[uuid.UUID | None]
    kind: Mapped[str] = mapped_column(String(10))
    round: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(255))
    drive_file_id: Mapped[str | None] = mapped_column(String(200))
    library_path: Mapped[str | None] = mapped_column(String(1024))
    reason: Mapped[str] = mapped_column(String(500))
    resolved_at: Mapped[datetime | None]
