"""Albums, photos and people as plain JSON for a studio server's answers, and back into a
desktop's catalog. Only what the studio shares travels: files, paths and local preview states
stay where they are."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from core.catalog import Album, Photo, PhotoVersion, Tenant, User

ALBUM_FIELDS = ("name", "client_name", "stage", "round", "min_select", "max_select")
PHOTO_FIELDS = ("album_id", "stem", "filename", "width", "height", "camera", "lens", "gps_lat")
PHOTO_FIELDS += ("gps_lon", "exif", "preview_hash", "stars", "flag", "label", "selected")
PHOTO_FIELDS += ("has_stock", "selected_by")
NOT_HERE = ""  # the library path of a version whose file is on another machine
# A version travels without its file: the file stays on the desktops and in Drive.
VERSION_FIELDS = ("album_id", "photo_id", "kind", "round", "filename", "content_hash")
VERSION_FIELDS += ("size_bytes", "is_raw")
TIMES = ("trashed_at", "taken_at", "selected_at", "created_at")


def plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def album_row(album: Album) -> dict[str, Any]:
    row = {name: getattr(album, name) for name in ALBUM_FIELDS}
    row.update(id=str(album.id), trashed_at=plain(album.trashed_at))
    row["created_at"] = plain(album.created_at)
    row["presets"] = album.presets  # the export presets its finals are made by (None: all)
    return row


def photo_row(photo: Photo) -> dict[str, Any]:
    row = {name: plain(getattr(photo, name)) for name in PHOTO_FIELDS}
    row.update(id=str(photo.id), taken_at=plain(photo.taken_at))
    row["selected_at"] = plain(photo.selected_at)
    return row


def version_row(version: PhotoVersion) -> dict[str, Any]:
    row = {name: plain(getattr(version, name)) for name in VERSION_FIELDS}
    row["id"] = str(version.id)
    return row


def studio_row(tenant: Tenant) -> dict[str, Any]:
    return {"id": str(tenant.id), "name": tenant.name, "settings": dict(tenant.settings or {})}


def user_row(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "active": user.active,
    }


def when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def fill_album(album: Album, row: dict[str, Any]) -> None:
    for name in ALBUM_FIELDS:
        setattr(album, name, row[name])
    album.trashed_at = when(row.get("trashed_at"))
    if "presets" in row:
        album.presets = row["presets"]


def fill_photo(photo: Photo, row: dict[str, Any]) -> None:
    for name in PHOTO_FIELDS:
        value = row[name]
        setattr(photo, name, uuid.UUID(value) if name == "album_id" else value)
    photo.taken_at = when(row.get("taken_at"))
    photo.selected_at = when(row.get("selected_at"))
