"""A studio server's side of desktop sync: replaying a desktop's commands through the same
services, answering what changed since a desktop last asked, and keeping uploaded previews.

A replayed command commits together with its `applied_commands` row (see ServiceContext), so a
retry after a crash applies nothing twice; a refused one is recorded right after, with the
sentence the desktop shows its user.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from core.audit_words import describe
from core.catalog import (
    Album,
    AppliedCommand,
    AuditEvent,
    JournalEntry,
    Photo,
    PreviewBlob,
    Tenant,
    User,
)
from core.catalog.base import utcnow
from core.changes import Change
from core.errors import Conflict, Invalid, NotPermitted, PhotoFlowError, Refused
from core.journal.store import entries_after, head_of
from core.policies import Actor, Guest, Permission, require
from core.services.commands import COMMANDS, WHAT
from core.services.context import REPLAYING, Replay, ServiceContext
from core.services.shared_finals import finals_payload
from core.services.shared_versions import versions_payload
from core.services.sync_feedback import albums_to_resend, feedback_payload
from core.services.sync_rows import album_row, photo_row, studio_row, user_row

if TYPE_CHECKING:
    from core.services import Services

PREVIEW_SIZES = ("256", "512", "1024", "2048")
MAX_PREVIEW_BYTES = 8 * 1024 * 1024
CHANGES_LIMIT = 1000
_PEOPLE = {Change.USER_CHANGED, Change.STUDIO_CREATED, Change.STUDIO_SETTINGS}


@dataclass(frozen=True)
class Answer:
    """What the server says about one command: applied, or why not, with the current state of
    what it touched so that the desktop can put its copy right."""

    key: str
    outcome: str  # applied | refused | denied | invalid
    message: str | None = None
    state: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "outcome": self.outcome, "message": self.message}
        if self.state:
            out["state"] = self.state
        return out


def _outcome(exc: PhotoFlowError) -> str:
    if isinstance(exc, NotPermitted):
        return "denied"
    if isinstance(exc, Invalid):
        return "invalid"
    return "refused"


def ago(at: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or utcnow()) - at).total_seconds()))
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"


class SyncService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._services: Services | None = None

    def attach(self, services: Services) -> None:
        """The services commands are replayed through (the composition root attaches them)."""
        self._services = services

    async def replay_batch(
        self, actor: Actor, commands: list[tuple[str, str, dict[str, Any]]], seen: int | None
    ) -> list[Answer]:
        """(key, action, args) commands in the order a desktop made them, knowing the studio's
        changes up to `seen`; the ones answered before are answered the same way again."""
        keys = [_maybe_id(command[0]) for command in commands]
        async with self.ctx.call(actor, "sync.replayed", audit=False) as call:
            rows = await call.session.scalars(
                select(AppliedCommand).where(
                    AppliedCommand.tenant_id == actor.tenant_id,
                    AppliedCommand.key.in_([k for k in keys if k is not None]),
                )
            )
            known = {r.key: Answer(str(r.key), r.outcome, r.message) for r in rows}
            made_at = None  # the desktop knew everything before this; who acted since is named
            if seen is not None:
                made_at = await call.session.scalar(
                    select(JournalEntry.at).where(
                        JournalEntry.tenant_id == actor.tenant_id, JournalEntry.seq == seen + 1
                    )
                )
                made_at = made_at or utcnow()
        answers = []
        for key_id, (key, action, args) in zip(keys, commands, strict=True):
            if key_id is not None and key_id in known:
                answers.append(known[key_id])
            else:
                answers.append(
                    await self.replay(actor, key, action, args, made_at=made_at, fresh=True)
                )
        return answers

    async def replay(
        self,
        actor: Actor,
        key: str,
        action: str,
        args: dict[str, Any],
        *,
        made_at: datetime | None = None,
        fresh: bool = False,
    ) -> Answer:
        """Apply one command of a desktop as `actor`, once whatever the retries (`made_at`: when
        the desktop made it; `fresh`: the caller has just seen that the key is new)."""
        assert self._services is not None, "SyncService.attach was not called"
        try:
            key_id = uuid.UUID(str(key))
        except ValueError:
            return Answer(str(key), "invalid", "A command needs a key that is a UUID.")
        stored = None if fresh else await self._stored(actor, key_id)
        if stored is not None:
            return stored
        command = COMMANDS.get(action)
        if command is None:
            return Answer(key, "invalid", f"PhotoFlow cannot replay {action!r} on the server.")
        token = REPLAYING.set(Replay(actor.tenant_id, key_id, action))
        try:
            await command(self._services, actor, args)
            return Answer(key, "applied")
        except Conflict as exc:
            # The same key committed by a concurrent retry (or a real clash): which one says
            # the stored answer, if there is one.
            REPLAYING.reset(token)
            token = None
            stored = await self._stored(actor, key_id)
            if stored is not None:
                return stored
            return await self._refused(actor, key, key_id, action, args, made_at, exc)
        except PhotoFlowError as exc:
            REPLAYING.reset(token)
            token = None
            return await self._refused(actor, key, key_id, action, args, made_at, exc)
        finally:
            if token is not None:
                REPLAYING.reset(token)

    async def _refused(
        self,
        actor: Actor,
        key: str,
        key_id: uuid.UUID,
        action: str,
        args: dict[str, Any],
        made_at: datetime | None,
        exc: PhotoFlowError,
    ) -> Answer:
        sentence = await self._sentence(actor, action, args, made_at, exc)
        outcome = _outcome(exc)
        if not await self._record(actor, key_id, action, outcome, sentence):
            # The same key, sent again while this one ran (a desktop that hung up and retried),
            # was answered first: its answer is the one that holds.
            stored = await self._stored(actor, key_id)
            if stored is not None:
                return stored
        return Answer(key, outcome, sentence, await self.state_of(actor, args))

    async def _stored(self, actor: Actor, key: uuid.UUID) -> Answer | None:
        async with self.ctx.call(actor, "sync.replayed", audit=False) as call:
            row = await call.session.get(AppliedCommand, (actor.tenant_id, key))
            if row is None:
                return None
            return Answer(str(key), row.outcome, row.message)

    async def _record(
        self, actor: Actor, key: uuid.UUID, action: str, outcome: str, message: str
    ) -> bool:
        try:
            async with self.ctx.call(actor, "sync.refused", audit=False) as call:
                call.session.add(
                    AppliedCommand(
                        tenant_id=actor.tenant_id,
                        key=key,
                        action=action,
                        outcome=outcome,
                        message=message,
                    )
                )
            return True
        except Conflict:  # recorded by a concurrent retry of the same key
            return False

    async def _sentence(
        self,
        actor: Actor,
        action: str,
        args: dict[str, Any],
        made_at: datetime | None,
        exc: PhotoFlowError,
    ) -> str:
        """ "Ana moved Smith Wedding to Retouch 2 minutes ago; your selection change was not
        applied": the last thing someone else did to the album since the desktop made the
        command (if anyone did), then what was refused and why."""
        what = WHAT.get(action, "change")
        reason = str(exc).rstrip(".")
        album_id = _maybe_id(args.get("album") or args.get("album_id"))
        if album_id is None or made_at is None:
            return f"Your {what} was not applied: {reason}."
        async with self.ctx.call(actor, "sync.explain", audit=False) as call:
            last = await call.session.scalar(
                select(AuditEvent)
                .where(
                    AuditEvent.tenant_id == actor.tenant_id,
                    AuditEvent.album_id == album_id,
                    AuditEvent.outcome == "ok",
                    AuditEvent.actor_id != actor.user_id,
                    AuditEvent.at >= made_at,
                )
                .order_by(AuditEvent.at.desc())
                .limit(1)
            )
            if last is None:
                return f"Your {what} was not applied: {reason}."
            album = await call.session.get(Album, album_id)
            who = await call.session.scalar(select(User.name).where(User.id == last.actor_id))
            did = describe(last.action, last.detail)
            if album is not None:
                did = did.replace("the album", album.name)
            return (
                f"{who or last.actor} {did} {ago(last.at)}; your {what} was not applied ({reason})."
            )

    async def state_of(self, actor: Actor, args: dict[str, Any]) -> dict[str, Any]:
        """The server's current rows of the album and photo a command names."""
        album_id = _maybe_id(args.get("album") or args.get("album_id"))
        photo_ids = [_maybe_id(args.get("photo"))]
        photo_ids += [
            _maybe_id(p.get("id")) for p in args.get("photos") or [] if isinstance(p, dict)
        ]
        wanted = [p for p in photo_ids if p is not None]
        async with self.ctx.call(actor, "sync.state", audit=False) as call:
            albums = []
            if album_id is not None:
                albums = list(
                    await call.session.scalars(
                        select(Album).where(
                            Album.id == album_id, Album.tenant_id == actor.tenant_id
                        )
                    )
                )
            photos = []
            if wanted:
                photos = list(
                    await call.session.scalars(
                        select(Photo).where(
                            Photo.id.in_(wanted), Photo.tenant_id == actor.tenant_id
                        )
                    )
                )
            found = {a.id for a in albums} | {p.id for p in photos}
            gone = [str(i) for i in [album_id, *wanted] if i is not None and i not in found]
            return {
                "albums": [album_row(a) for a in albums],
                "photos": [photo_row(p) for p in photos],
                "gone": gone,
            }

    async def newest(self, actor: Actor) -> int:
        """The number of the studio's newest change (0: none yet)."""
        async with self.ctx.call(actor, "sync.newest", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            return (await head_of(call.session, actor.tenant_id))[0]

    async def changes(self, actor: Actor, after: int, limit: int = CHANGES_LIMIT) -> dict[str, Any]:
        """The studio's journal entries after `after`, and the current rows of what they touch
        (everything, when entries a desktop has not seen were compacted away): albums, photos,
        client links and what clients said (see sync_feedback)."""
        if after < 0 or not 1 <= limit <= 10_000:
            raise Invalid("Ask for changes after a sequence number of 0 or more, 1 to 10000.")
        async with self.ctx.call(actor, "sync.changes", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            session, tenant = call.session, actor.tenant_id
            newest, compacted = await head_of(session, tenant)
            reset = compacted > after
            events = await entries_after(session, tenant, max(after, compacted), limit=limit)
            album_ids = {e.album_id for e in events if e.album_id is not None}
            photo_ids = {e.photo_id for e in events if e.photo_id is not None}
            whole = albums_to_resend(events)  # a sent selection changes its album's photos
            albums = select(Album).where(Album.tenant_id == tenant)
            photos = select(Photo).where(Photo.tenant_id == tenant)
            if not reset:
                albums = albums.where(Album.id.in_(album_ids))
                photos = photos.where(or_(Photo.id.in_(photo_ids), Photo.album_id.in_(whole)))
            album_rows = list(await session.scalars(albums)) if reset or album_ids else []
            wanted = reset or photo_ids or whole
            photo_rows = list(await session.scalars(photos)) if wanted else []
            found = {a.id for a in album_rows} | {p.id for p in photo_rows}
            out: dict[str, Any] = {
                "entries": [
                    {
                        "seq": e.seq,
                        "kind": e.kind.value,
                        "album_id": str(e.album_id) if e.album_id else None,
                        "photo_id": str(e.photo_id) if e.photo_id else None,
                        "actor": e.actor,
                        "at": e.at.isoformat() if e.at else None,
                        "data": e.data,
                    }
                    for e in events
                ],
                "albums": [album_row(a) for a in album_rows],
                "photos": [photo_row(p) for p in photo_rows],
                "gone": [str(i) for i in (album_ids | photo_ids) - found],
                "newest": newest,
                "next": events[-1].seq if events else max(after, compacted),
                "reset": reset,
                **await feedback_payload(session, tenant, events, reset),
                **await versions_payload(session, tenant, events, reset),
                **await finals_payload(session, tenant, events, reset),
            }
            if after == 0 or reset or any(e.kind in _PEOPLE for e in events):
                studio = await session.get(Tenant, tenant)
                users = await session.scalars(select(User).where(User.tenant_id == tenant))
                out["studio"] = studio_row(studio) if studio else None
                out["users"] = [user_row(u) for u in users]
            return out

    async def put_preview(self, actor: Actor, content_hash: str, size: str, data: bytes) -> bool:
        """Keep a preview a desktop sent; False when it was here already."""
        _check_preview(content_hash, size)
        if not data or len(data) > MAX_PREVIEW_BYTES:
            raise Invalid("A preview is a JPEG of at most 8 MB.")
        if not data.startswith(b"\xff\xd8"):
            raise Invalid("A preview must be a JPEG.")
        try:
            async with self.ctx.call(actor, "sync.preview", audit=False) as call:
                # Whoever may bring files in sends their previews: editors their retouches.
                require(actor, Permission.ADD_RETOUCHES)
                key = (actor.tenant_id, content_hash, size)
                if await call.session.get(PreviewBlob, key) is not None:
                    return False
                call.session.add(
                    PreviewBlob(
                        tenant_id=actor.tenant_id, content_hash=content_hash, size=size, data=data
                    )
                )
            return True
        except Conflict:  # a second upload of the same preview committed first
            return False

    async def preview(self, who: Actor | Guest, content_hash: str, size: str) -> bytes | None:
        """A preview kept for the studio of `who` (a guest of a link, or staff), for the portal
        of any server process."""
        _check_preview(content_hash, size)
        async with self.ctx.call(who, "sync.preview_read", audit=False) as call:
            blob = await call.session.get(PreviewBlob, (who.tenant_id, content_hash, size))
            return blob.data if blob is not None else None

    async def previews_missing(
        self, actor: Actor, wanted: list[tuple[str, str]]
    ) -> list[list[str]]:
        """Which of these (hash, size) previews the server does not have yet."""
        for content_hash, size in wanted:
            _check_preview(content_hash, size)
        async with self.ctx.call(actor, "sync.previews_missing", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            hashes = list({h for h, _ in wanted})
            have = set(
                await call.session.execute(
                    select(PreviewBlob.content_hash, PreviewBlob.size).where(
                        PreviewBlob.tenant_id == actor.tenant_id,
                        PreviewBlob.content_hash.in_(hashes),
                    )
                )
            )
            return [[h, s] for h, s in wanted if (h, s) not in have]


def _check_preview(content_hash: str, size: str) -> None:
    if not (
        isinstance(content_hash, str)
        and 16 <= len(content_hash) <= 64
        and all(c in "0123456789abcdef" for c in content_hash)
    ):
        raise Invalid("A preview is named by the hex content hash of its photo.")
    if size not in PREVIEW_SIZES:
        raise Invalid(f"A preview size is one of {', '.join(PREVIEW_SIZES)}.")


def _maybe_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


__all__ = ["Answer", "Refused", "SyncService", "ago"]
