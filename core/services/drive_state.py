"""What Google Drive sync remembers, behind one door: each album's Drive folders and feed marks,
the last synced state of every file (with tombstones), conflict copies, and the state people see.

The sync engine (sync/drive) decides; this service records. Each step a sync applies is one
call here (one transaction, one audit row), so a sync killed at any moment has recorded exactly
the steps that finished, and the next run starts from them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import func, select

from core.catalog import Album, DriveAlbum, DriveConflict, DriveFile, Final, Photo, PhotoVersion
from core.catalog.base import utcnow
from core.errors import Invalid, NotFound
from core.policies import Actor, Permission, require
from core.services.albums import find_album, studio_settings
from core.services.context import Call, ServiceContext
from core.services.delivery_jobs import album_presets


class Slot(NamedTuple):
    """What a synced file is: a photo's version (kind, retouch round), or its final through one
    export preset (kind "final", `preset` the preset's folder name, as in the library)."""

    photo_id: uuid.UUID
    kind: str
    round: int
    preset: str = ""


@dataclass(frozen=True)
class SyncedFile:
    """A file as last synced: the base of the three-way comparison."""

    photo_id: uuid.UUID
    kind: str
    round: int
    content_hash: str | None
    drive_file_id: str
    md5: str | None
    drive_version: int
    name: str
    folder: str
    deleted_on: str | None = None  # a tombstone: "drive" or "here"
    preset: str = ""  # a final's export preset (its folder name)

    @property
    def slot(self) -> Slot:
        return Slot(self.photo_id, self.kind, self.round, self.preset)


@dataclass(frozen=True)
class LocalVersion:
    """A photo version or current final in the library, as the sync sees it."""

    photo_id: uuid.UUID
    stem: str
    kind: str
    round: int
    filename: str
    path: Path
    content_hash: str
    size: int
    preset: str = ""  # a final's export preset (its folder name)

    @property
    def slot(self) -> Slot:
        return Slot(self.photo_id, self.kind, self.round, self.preset)


@dataclass(frozen=True)
class Conflict:
    id: uuid.UUID
    album_id: uuid.UUID
    album: str
    name: str
    reason: str
    library_path: str | None
    at: datetime


@dataclass
class DriveAlbumState:
    """One album as a sync run starts: where it is in Drive, where its feeds got to, its base."""

    album_id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    stage: str
    round: int
    drive_root: str
    delete_limit: int
    folder_id: str | None
    folders: dict[str, str]
    page_token: str | None
    journal_seq: int
    synced: dict[Slot, SyncedFile] = field(default_factory=dict)
    stems: dict[uuid.UUID, str] = field(default_factory=dict)
    synced_count: int = 0  # files in sync (not tombstones): the deletion limit's base
    presets: frozenset[str] = frozenset()  # the folder names of the album's export presets now


@dataclass(frozen=True)
class AlbumDriveStatus:
    """What the desktop shows for an album: in sync, uploading 12 of 240, conflict, paused."""

    album_id: uuid.UUID
    album: str
    state: str
    message: str | None
    done: int
    total: int
    conflicts: int
    synced_at: datetime | None

    @property
    def words(self) -> str:
        if self.state == "paused":
            return f"paused: {self.message}" if self.message else "paused"
        if self.state in ("uploading", "downloading", "syncing") and self.total:
            return f"{self.state} {self.done} of {self.total}"
        if self.conflicts:
            return f"{self.conflicts} conflict{'s' if self.conflicts != 1 else ''}"
        return {"in_sync": "in sync", "new": "not synced yet"}.get(self.state, self.state)


class DriveStateService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @property
    def library(self) -> Path:
        return self.ctx.home.library

    async def begin(
        self, actor: Actor, album_ref: str | uuid.UUID, *, full: bool = True
    ) -> DriveAlbumState:
        """The album, its Drive folders and marks; with `full`, every file's last synced state
        and the photos' stems too (a first sync; later runs read only what they need)."""
        async with self.ctx.call(actor, "drive.read", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            settings = await studio_settings(call.session, album.tenant_id)
            row = await _drive_album(call, album.id)
            state = DriveAlbumState(
                album.id,
                album.tenant_id,
                album.name,
                album.stage,
                album.round,
                settings.drive_root,
                settings.drive_delete_limit,
                row.folder_id if row else None,
                dict(row.folders) if row else {},
                row.page_token if row else None,
                row.journal_seq if row else 0,
                presets=frozenset(p.folder for p in await album_presets(call.session, album)),
            )
            state.synced_count = (
                await call.session.scalar(
                    select(func.count())
                    .select_from(DriveFile)
                    .where(DriveFile.album_id == album.id, DriveFile.deleted_on.is_(None))
                )
            ) or 0
            if full:
                for f in await call.session.scalars(
                    select(DriveFile).where(DriveFile.album_id == album.id)
                ):
                    synced = _synced(f)
                    state.synced[synced.slot] = synced
                rows = await call.session.execute(
                    select(Photo.id, Photo.stem).where(Photo.album_id == album.id)
                )
                state.stems = {pid: stem for pid, stem in rows}
            return state

    async def synced(
        self,
        actor: Actor,
        album_id: uuid.UUID,
        *,
        photo_ids: set[uuid.UUID],
        file_ids: set[str],
        all_finals: bool = False,
    ) -> dict[Slot, SyncedFile]:
        """The last synced state of these photos' files and of these Drive files only (and of
        all the album's finals, when its presets changed): a run that saw a few changes reads a
        few rows, whatever the album's size."""
        async with self.ctx.call(actor, "drive.read", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            found: dict[Slot, SyncedFile] = {}
            if all_finals:
                for f in await call.session.scalars(
                    select(DriveFile).where(
                        DriveFile.album_id == album_id, DriveFile.kind == "final"
                    )
                ):
                    synced = _synced(f)
                    found[synced.slot] = synced
            for column, values in (
                (DriveFile.photo_id, list(photo_ids)),
                (DriveFile.drive_file_id, list(file_ids)),
            ):
                for start in range(0, len(values), 500):
                    rows = await call.session.scalars(
                        select(DriveFile).where(
                            DriveFile.album_id == album_id,
                            column.in_(values[start : start + 500]),
                        )
                    )
                    for f in rows:
                        synced = _synced(f)
                        found[synced.slot] = synced
            return found

    async def albums(self, actor: Actor) -> list[uuid.UUID]:
        """The albums that were synced with Drive at least once."""
        async with self.ctx.call(actor, "drive.read", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            rows = await call.session.scalars(
                select(DriveAlbum.album_id)
                .join(Album, Album.id == DriveAlbum.album_id)
                .where(DriveAlbum.tenant_id == actor.tenant_id, Album.trashed_at.is_(None))
            )
            return list(rows)

    async def local_versions(
        self, actor: Actor, album_id: uuid.UUID, photo_ids: set[uuid.UUID] | None = None
    ) -> list[LocalVersion]:
        """The album's versions in the library (only these photos' when given)."""
        async with self.ctx.call(actor, "drive.read", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            query = (
                select(PhotoVersion, Photo.stem)
                .join(Photo, Photo.id == PhotoVersion.photo_id)
                .where(PhotoVersion.album_id == album_id)
            )
            if photo_ids is not None and len(photo_ids) <= 500:
                query = query.where(PhotoVersion.photo_id.in_(list(photo_ids)))
            rows = [
                (v, stem)
                for v, stem in await call.session.execute(query)
                if photo_ids is None or v.photo_id in photo_ids
            ]
            return [
                LocalVersion(
                    v.photo_id,
                    stem,
                    v.kind,
                    v.round,
                    v.filename,
                    self.library / v.library_path,
                    v.content_hash,
                    v.size_bytes,
                )
                for v, stem in rows
            ]

    async def local_finals(
        self, actor: Actor, album_id: uuid.UUID, photo_ids: set[uuid.UUID] | None = None
    ) -> list[LocalVersion]:
        """The album's current finals (through its presets now; a dropped preset's are not),
        only these photos' when given; each keyed by its preset's folder name."""
        async with self.ctx.call(actor, "drive.read", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await _album(call, album_id)
            folders = {p.name: p.folder for p in await album_presets(call.session, album)}
            query = (
                select(Final, Photo.stem)
                .join(Photo, Photo.id == Final.photo_id)
                .where(Final.album_id == album_id, Final.preset.in_(list(folders)))
            )
            if photo_ids is not None and len(photo_ids) <= 500:
                query = query.where(Final.photo_id.in_(list(photo_ids)))
            return [
                LocalVersion(
                    f.photo_id,
                    stem,
                    "final",
                    0,
                    f.filename,
                    self.library / f.library_path,
                    f.content_hash,
                    f.size_bytes,
                    folders[f.preset],
                )
                for f, stem in await call.session.execute(query)
                if photo_ids is None or f.photo_id in photo_ids
            ]

    async def save_folders(
        self,
        actor: Actor,
        album_id: uuid.UUID,
        folder_id: str,
        folders: dict[str, str],
        *,
        account: str | None = None,
        page_token: str | None = None,
    ) -> None:
        """Where the album is in Drive; the first time, the changes page token to start from."""
        async with self.ctx.call(actor, "drive.folders") as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await _album(call, album_id)
            call.on("album", album.id, album.name)
            row = await _drive_album(call, album.id)
            if row is None:
                row = DriveAlbum(
                    tenant_id=album.tenant_id, album_id=album.id, folders={}, journal_seq=0
                )
                call.session.add(row)
            row.folder_id = folder_id
            row.folders = dict(folders)
            row.account = account or row.account
            if page_token is not None and row.page_token is None:
                row.page_token = page_token
            call.detail.update(folder=folder_id, folders=sorted(folders))

    async def record(
        self,
        actor: Actor,
        album_id: uuid.UUID,
        step: str,
        synced: SyncedFile,
        *,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """One applied step of a sync (upload, download, rename, adopt, deleted): the file's new
        synced state, in the step's own transaction and audit row (`drive.<step>`)."""
        async with self.ctx.call(actor, f"drive.{step}") as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await _album(call, album_id)
            call.on("photo", synced.photo_id, synced.name)
            call.album_id = album.id
            call.detail.update(
                kind=synced.kind,
                round=synced.round,
                drive_file=synced.drive_file_id,
                folder=synced.folder,
                **({"preset": synced.preset} if synced.preset else {}),
                **(detail or {}),
            )
            row = await call.session.scalar(
                select(DriveFile).where(
                    DriveFile.album_id == album.id,
                    DriveFile.photo_id == synced.photo_id,
                    DriveFile.kind == synced.kind,
                    DriveFile.round == synced.round,
                    DriveFile.preset == synced.preset,
                )
            )
            if row is None:
                row = DriveFile(
                    tenant_id=album.tenant_id,
                    album_id=album.id,
                    photo_id=synced.photo_id,
                    kind=synced.kind,
                    round=synced.round,
                    preset=synced.preset,
                )
                call.session.add(row)
            row.content_hash = synced.content_hash
            row.drive_file_id = synced.drive_file_id
            row.md5 = synced.md5
            row.drive_version = synced.drive_version
            row.name = synced.name
            row.folder = synced.folder
            row.deleted_on = synced.deleted_on

    async def record_conflict(
        self,
        actor: Actor,
        album_id: uuid.UUID,
        *,
        photo_id: uuid.UUID | None,
        kind: str,
        round_: int,
        name: str,
        drive_file_id: str | None,
        library_path: Path | None,
        reason: str,
    ) -> None:
        """A file changed on both sides: Drive's copy is kept beside ours under `name`."""
        async with self.ctx.call(actor, "drive.conflict") as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await _album(call, album_id)
            call.on("photo", photo_id, name)
            call.album_id = album.id
            call.detail.update(kind=kind, round=round_, drive_file=drive_file_id, reason=reason)
            exists = await call.session.scalar(
                select(DriveConflict.id).where(
                    DriveConflict.album_id == album.id,
                    DriveConflict.drive_file_id == drive_file_id,
                    DriveConflict.name == name,
                )
            )
            if exists is None:
                call.session.add(
                    DriveConflict(
                        tenant_id=album.tenant_id,
                        album_id=album.id,
                        photo_id=photo_id,
                        kind=kind,
                        round=round_,
                        name=name,
                        drive_file_id=drive_file_id,
                        library_path=(
                            str(library_path.relative_to(self.library)) if library_path else None
                        ),
                        reason=reason[:500],
                    )
                )

    async def finish(
        self,
        actor: Actor,
        album_id: uuid.UUID,
        *,
        page_token: str | None,
        journal_seq: int,
        summary: dict[str, Any],
        problems: list[str],
    ) -> None:
        """A run went through: the feeds' marks move on, and the album says it is in sync (or
        that it has conflicts or problems to look at)."""
        async with self.ctx.call(actor, "drive.sync") as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await _album(call, album_id)
            call.on("album", album.id, album.name)
            call.detail.update(summary=summary, problems=problems[:20])
            row = await _drive_album(call, album.id)
            if row is None:
                raise Invalid(f"{album.name} has no Drive folder yet.")
            if page_token:
                row.page_token = page_token
            row.journal_seq = max(row.journal_seq, journal_seq)
            row.state = "in_sync" if not problems else "problems"
            row.message = "; ".join(problems)[:2000] if problems else None
            row.done = row.total = 0
            row.synced_at = utcnow()

    async def show(
        self,
        actor: Actor,
        album_id: uuid.UUID,
        state: str,
        message: str | None = None,
        done: int = 0,
        total: int = 0,
    ) -> None:
        """What a running sync is doing now (uploading 12 of 240; paused: why). Not audited:
        progress is not an action; the steps are."""
        async with self.ctx.call(actor, "drive.progress", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            row = await _drive_album(call, album_id)
            if row is None:
                return
            row.state, row.message, row.done, row.total = state, message, done, total

    async def status(self, actor: Actor) -> list[AlbumDriveStatus]:
        """Every synced album's Drive state, with its open conflicts counted."""
        async with self.ctx.call(actor, "drive.read", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            open_conflicts: dict[uuid.UUID, int] = {}
            for album_id in await call.session.scalars(
                select(DriveConflict.album_id).where(
                    DriveConflict.tenant_id == actor.tenant_id, DriveConflict.resolved_at.is_(None)
                )
            ):
                open_conflicts[album_id] = open_conflicts.get(album_id, 0) + 1
            rows = await call.session.execute(
                select(DriveAlbum, Album.name)
                .join(Album, Album.id == DriveAlbum.album_id)
                .where(DriveAlbum.tenant_id == actor.tenant_id, Album.trashed_at.is_(None))
                .order_by(Album.name)
            )
            return [
                AlbumDriveStatus(
                    row.album_id,
                    name,
                    row.state,
                    row.message,
                    row.done,
                    row.total,
                    open_conflicts.get(row.album_id, 0),
                    row.synced_at,
                )
                for row, name in rows
            ]

    async def conflicts(self, actor: Actor) -> list[Conflict]:
        """Open conflict copies, newest first."""
        async with self.ctx.call(actor, "drive.read", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            rows = await call.session.execute(
                select(DriveConflict, Album.name)
                .join(Album, Album.id == DriveConflict.album_id)
                .where(
                    DriveConflict.tenant_id == actor.tenant_id, DriveConflict.resolved_at.is_(None)
                )
                .order_by(DriveConflict.created_at.desc())
            )
            return [
                Conflict(c.id, c.album_id, name, c.name, c.reason, c.library_path, c.created_at)
                for c, name in rows
            ]


async def _album(call: Call, album_id: uuid.UUID) -> Album:
    album = await call.session.get(Album, album_id)
    if album is None or album.tenant_id != call.tenant_id:
        raise NotFound("No such album in this studio.")
    return album


async def _drive_album(call: Call, album_id: uuid.UUID) -> DriveAlbum | None:
    return await call.session.scalar(select(DriveAlbum).where(DriveAlbum.album_id == album_id))


def _synced(f: DriveFile) -> SyncedFile:
    return SyncedFile(
        f.photo_id,
        f.kind,
        f.round,
        f.content_hash,
        f.drive_file_id,
        f.md5,
        f.drive_version,
        f.name,
        f.folder,
        f.deleted_on,
        f.preset,
    )
