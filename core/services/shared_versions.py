"""A photo's versions as the whole studio knows them: what a version is travels between the
desktops and the studio server, its file does not (files stay on the desktops and in Drive).

A version whose file is not on this machine has an empty `library_path`. A file brought in later
with the same content (an import, a Drive download) fills that row in.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, Feedback, Photo, PhotoVersion
from core.catalog.base import utcnow
from core.changes import Change
from core.errors import Invalid
from core.events import Event
from core.policies import Actor, Permission, require
from core.services.context import Call
from core.services.import_previews import requests_answered_by
from core.services.sync_rows import NOT_HERE, version_row
from core.workflow import Stage

SHARED_KINDS = ("original", "stock", "retouched")  # finals are made, not imported


def check_versions_allowed(actor: Actor, album: Album, kinds: set[str], rounds: set[int]) -> None:
    """The rules of an import, for versions that were imported on another machine."""
    unknown = kinds - set(SHARED_KINDS)
    if unknown:
        raise Invalid(f"A version is an original, stock or retouched file, not {min(unknown)}.")
    require(actor, Permission.ADD_RETOUCHES if kinds == {"retouched"} else Permission.MANAGE_ALBUMS)
    stage = Stage(album.stage)
    if stage is Stage.FINAL:
        raise Invalid(f"{album.name} is final; an admin must reopen it before importing.")
    if "retouched" in kinds:
        if stage is not Stage.RETOUCH:
            raise Invalid(
                f"Retouched versions are added in the Retouch stage; {album.name} is in "
                f"{stage.title}."
            )
        if rounds != {album.round}:
            raise Invalid(
                f"{album.name} is in retouch round {album.round}; these retouches were made for "
                f"round {min(rounds)}."
            )


async def enter_versions(call: Call, album: Album, versions: Sequence[dict[str, Any]]) -> int:
    """Versions another machine imported into `album`, under their ids there; returns how many
    were new here. A retouch answers the change requests of earlier rounds, as it does where its
    file is."""
    parsed = [_parsed(v) for v in versions]
    kinds = {v["kind"] for v in parsed}
    check_versions_allowed(call.actor, album, kinds, {v["round"] for v in parsed if v["round"]})
    photo_ids = {v["photo_id"] for v in parsed}
    found = set(
        await call.session.scalars(
            select(Photo.id).where(Photo.album_id == album.id, Photo.id.in_(photo_ids))
        )
    )
    if photo_ids - found:
        raise Invalid(
            f"{len(photo_ids - found)} of these versions belong to no photo of {album.name}."
        )
    added = 0
    for facts in parsed:
        added += await _put_version(call, album, facts)
    return added


async def _put_version(call: Call, album: Album, facts: dict[str, Any]) -> int:
    session = call.session
    version = await session.scalar(
        select(PhotoVersion).where(
            PhotoVersion.photo_id == facts["photo_id"],
            PhotoVersion.kind == facts["kind"],
            PhotoVersion.round == facts["round"],
        )
    )
    new = version is None
    if version is None:
        version = PhotoVersion(
            id=facts["id"],
            tenant_id=album.tenant_id,
            album_id=album.id,
            photo_id=facts["photo_id"],
            kind=facts["kind"],
            round=facts["round"],
            library_path=NOT_HERE,
        )
        session.add(version)
    elif version.content_hash == facts["content_hash"]:
        return 0  # known already, with this content
    else:
        version.library_path = NOT_HERE  # the file here is an older one
    version.filename = facts["filename"]
    version.content_hash = facts["content_hash"]
    version.size_bytes = facts["size_bytes"]
    version.is_raw = facts["is_raw"]
    version.added_by = call.actor.user_id if call.actor else None
    photo_id = facts["photo_id"]
    if facts["kind"] == "stock" or (facts["kind"] == "original" and not facts["is_raw"]):
        await session.execute(update(Photo).where(Photo.id == photo_id).values(has_stock=True))
    if facts["kind"] == "retouched":
        await session.execute(
            update(Feedback)
            .where(*requests_answered_by(photo_id, facts["round"]))
            .values(resolved_at=utcnow())
        )
    await session.flush()
    call.emit(
        Change.PHOTO_VERSION,
        photo_id=photo_id,
        kind=facts["kind"],
        round=facts["round"],
        filename=facts["filename"],
    )
    return int(new)


def _parsed(facts: Any) -> dict[str, Any]:
    """A version's facts as a desktop sent them, checked."""
    if not isinstance(facts, dict):
        raise Invalid("Each version is described by its facts.")
    try:
        out = {
            "id": uuid.UUID(str(facts["id"])),
            "photo_id": uuid.UUID(str(facts["photo_id"])),
            "kind": str(facts["kind"]),
            "round": facts.get("round") or 0,
            "filename": str(facts["filename"]),
            "content_hash": str(facts["content_hash"]),
            "size_bytes": facts["size_bytes"],
            "is_raw": bool(facts.get("is_raw")),
        }
    except (KeyError, ValueError):
        raise Invalid("A version needs its id, photo, kind, file name, content and size.") from None
    for name in ("round", "size_bytes"):
        value = out[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise Invalid(f"A version's {name.replace('_', ' ')} is a whole number.")
    if not 0 < len(out["filename"]) <= 255 or not 0 < len(out["content_hash"]) <= 64:
        raise Invalid("A version's file name is 1 to 255 characters, its content hash 1 to 64.")
    if (out["kind"] == "retouched") != (out["round"] > 0):
        raise Invalid("Retouched versions have a round from 1; the other kinds have none.")
    return out


async def versions_payload(
    session: AsyncSession, tenant: uuid.UUID, events: Sequence[Event], reset: bool
) -> dict[str, Any]:
    """For a pull: the versions of the photos whose versions changed (all of them on a reset)."""
    changed = {e.photo_id for e in events if e.kind is Change.PHOTO_VERSION and e.photo_id}
    if not reset and not changed:
        return {}
    query = select(PhotoVersion).where(PhotoVersion.tenant_id == tenant)
    if not reset:
        query = query.where(PhotoVersion.photo_id.in_(changed))
    query = query.where(PhotoVersion.kind.in_(SHARED_KINDS))
    return {"versions": [version_row(v) for v in await session.scalars(query)]}


async def put_versions(
    session: AsyncSession, tenant: uuid.UUID, rows: Sequence[dict[str, Any]]
) -> None:
    """Pulled versions into this catalog: a new one is known without its file; one whose content
    changed elsewhere no longer points at the older file here."""
    for row in rows:
        photo_id = uuid.UUID(row["photo_id"])
        if await session.get(Photo, photo_id) is None:
            continue  # its photo went away meanwhile
        version = await session.scalar(
            select(PhotoVersion).where(
                PhotoVersion.photo_id == photo_id,
                PhotoVersion.kind == row["kind"],
                PhotoVersion.round == row["round"],
            )
        )
        if version is None:
            version = PhotoVersion(
                id=uuid.UUID(row["id"]),
                tenant_id=tenant,
                album_id=uuid.UUID(row["album_id"]),
                photo_id=photo_id,
                kind=row["kind"],
                round=row["round"],
                library_path=NOT_HERE,
            )
            session.add(version)
        elif version.content_hash != row["content_hash"]:
            version.library_path = NOT_HERE
        else:
            continue
        version.filename = row["filename"]
        version.content_hash = row["content_hash"]
        version.size_bytes = row["size_bytes"]
        version.is_raw = bool(row["is_raw"])
    await session.flush()
