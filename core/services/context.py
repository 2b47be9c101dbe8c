"""One service call = one transaction = one audit event, whatever the outcome.

`ServiceContext.call()` opens the session and transaction, checks that the actor may still act (user
active, studio not suspended), and writes the audit record: in the same transaction when the call
succeeds, in a fresh one after the rollback when it is refused, denied or fails. What a successful
call changed goes into the change journal in that same transaction (a call that rolls back leaves
no entry), and reaches this process's subscribers right after the commit.
"""

from __future__ import annotations

import contextvars
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from core.catalog import Tenant, User
from core.catalog.database import Database
from core.catalog.lookups import studio_of_user_id
from core.catalog.rls import enter_studio
from core.changes import Change
from core.errors import Conflict, NotPermitted, PhotoFlowError, Refused
from core.events import Event, EventHub
from core.home import Home
from core.policies import Actor, Guest

if TYPE_CHECKING:
    from core.catalog.audit import AuditEvent
    from core.journal.follower import JournalFollower

log = logging.getLogger(__name__)

Who = Actor | Guest | None
# Told of every finished call: (action, outcome, seconds). The studio server counts them for
# /metrics; core knows nothing of how (see ServiceContext.on_call).
CallObserver = Callable[[str, str, float], None]


@dataclass
class Replay:
    """A command from a desktop being replayed on the server: the first audited call that
    commits records it as applied, in its own transaction."""

    tenant_id: uuid.UUID
    key: uuid.UUID
    action: str
    recorded: bool = False


REPLAYING: contextvars.ContextVar[Replay | None] = contextvars.ContextVar("replaying", default=None)


@dataclass
class Call:
    """What a running service call knows; the service fills in its target for the audit."""

    session: AsyncSession
    actor: Who
    action: str
    target_type: str | None = None
    target_id: uuid.UUID | None = None
    target: str | None = None
    album_id: uuid.UUID | None = None
    tenant_id: uuid.UUID | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    # The studio row the standing check loaded, held for the call: the session's identity map
    # keeps rows only while something refers to them, and a later get of it then costs no query.
    studio: Tenant | None = None
    commands: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def command(self, action: str, **args: Any) -> None:
        """Say how to replay this call elsewhere (ids, not names): a desktop connected to a
        server keeps it in its outbox, written in this call's transaction."""
        self.commands.append((action, args))

    def emit(
        self,
        change: Change,
        /,
        *,
        photo_id: uuid.UUID | None = None,
        tenant_id: uuid.UUID | None = None,
        **data: Any,
    ) -> None:
        """Record a change: journalled with the call's commit, published only after it."""
        if not isinstance(change, Change):
            raise TypeError(f"a change kind must be a Change, not {change!r}")
        tenant = tenant_id or self.tenant_id
        if tenant is not None:
            label = self.actor.label if self.actor is not None else "system"
            self.events.append(Event(change, tenant, self.album_id, photo_id, data, actor=label))

    async def enter(self, tenant_id: uuid.UUID | None) -> None:
        """Work in another studio for the statements that follow (PostgreSQL shows a transaction
        one studio's rows only). For the few calls that cross studios on purpose: setting up the
        installation, a superadmin acting on another studio, finding a link or a user by a key
        whose studio a look-up (core.catalog.lookups) has just told. The audit row still goes to
        `tenant_id`."""
        await enter_studio(self.session, tenant_id)

    def on(self, kind: str, obj_id: uuid.UUID | None, label: str | None) -> None:
        self.target_type, self.target_id, self.target = kind, obj_id, label
        if kind == "album":
            self.album_id = obj_id


def _outcome(exc: BaseException) -> str:
    if isinstance(exc, Refused):
        return "refused"
    if isinstance(exc, NotPermitted):
        return "denied"
    return "failed"


class ServiceContext:
    """What every service needs: the catalog database and the home folder's layout."""

    def __init__(self, db: Database, home: Home, events: EventHub | None = None) -> None:
        self.db = db
        self.home = home
        self.events = events or EventHub()
        self.follower: JournalFollower | None = None  # set when this process follows the journal
        self.on_call: list[CallObserver] = []  # set by the composition root
        # A desktop connected to a studio server keeps every replayable call in its outbox.
        self.keep_commands = False

    def call(
        self, actor: Who, action: str, *, audit: bool = True, read: bool = False
    ) -> AbstractAsyncContextManager[Call]:
        """One transaction for one service call. `read`: the call only reads, so on SQLite it
        takes no write lock (a plain BEGIN, not BEGIN IMMEDIATE): reading a 50,000-photo album
        does not hold up a mark being saved meanwhile."""
        started = time.perf_counter()
        if not self.on_call:  # the desktop and the command line: nobody counts calls
            return self._call(actor, action, audit, started, read)
        return self._observed(actor, action, audit, started, read)

    @asynccontextmanager
    async def _observed(
        self, actor: Who, action: str, audit: bool, started: float, read: bool
    ) -> AsyncIterator[Call]:
        outcome = "ok"
        try:
            async with self._call(actor, action, audit, started, read) as call:
                yield call
        except BaseException as exc:
            outcome = _outcome(exc)
            raise
        finally:
            self._tell(action, outcome, time.perf_counter() - started)

    def _tell(self, action: str, outcome: str, seconds: float) -> None:
        for observer in self.on_call:
            try:
                observer(action, outcome, seconds)
            except Exception:  # counting a call must never fail it
                log.exception("a call observer failed on %s", action)

    @asynccontextmanager
    async def _call(
        self, actor: Who, action: str, audit: bool, started: float, read: bool
    ) -> AsyncIterator[Call]:
        call: Call | None = None
        try:
            async with self.db.session() as session, session.begin():
                if read:  # the connection's first use in this transaction decides how it begins
                    await session.connection(execution_options={"photoflow_read_only": True})
                call = Call(session, actor, action)
                call.tenant_id = actor.tenant_id if actor else None
                # The studio is set per transaction, never per connection: see core/catalog/rls.py.
                await enter_studio(session, call.tenant_id)
                if actor is not None:
                    call.studio = await _check_standing(session, actor)
                yield call
                numbered: list[Event] = []
                if audit or call.events:
                    await session.flush()
                if call.events:
                    # The journal's tables load with the first call that changes something.
                    from core.journal.store import record

                    numbered = await record(session, call.events)
                if audit:
                    await enter_studio(session, call.tenant_id)
                    session.add(_event(call, "ok", None, started))
                if audit or call.commands:  # an unaudited step may still be one to replay
                    self._note_commands(call)
            if numbered and self.follower is not None:
                self.follower.committed(numbered)
        except StaleDataError as exc:
            err = Conflict("Someone else changed this at the same time; look again and retry.")
            await self._audit_failure(call, actor, action, err, started)
            raise err from exc
        except IntegrityError as exc:
            err = Conflict("That would clash with something that already exists.")
            await self._audit_failure(call, actor, action, err, started)
            raise err from exc
        except Exception as exc:
            if not isinstance(exc, PhotoFlowError):
                log.exception("service call %s failed", action)
            # A read nobody is accountable for (an unknown link, a sign-in lookup) leaves no
            # audit row: no admin could see it, and strangers could grow the table at will.
            if audit or actor is not None:
                await self._audit_failure(call, actor, action, exc, started)
            raise

    def _note_commands(self, call: Call) -> None:
        from core.catalog import AppliedCommand, OutboxCommand  # with the first audited call

        replay = REPLAYING.get()
        if replay is not None:
            if not replay.recorded:
                replay.recorded = True
                call.session.add(
                    AppliedCommand(
                        tenant_id=replay.tenant_id,
                        key=replay.key,
                        action=replay.action,
                        outcome="applied",
                    )
                )
        elif self.keep_commands and call.commands:
            label = call.actor.label if call.actor is not None else "system"
            for action, args in call.commands:
                call.session.add(
                    OutboxCommand(key=uuid.uuid4(), action=action, args=_json(args), actor=label)
                )

    async def _audit_failure(
        self, call: Call | None, actor: Who, action: str, exc: BaseException, started: float
    ) -> None:
        try:
            async with self.db.session() as session, session.begin():
                if call is None:
                    call = Call(session, actor, action)
                    call.tenant_id = actor.tenant_id if actor else None
                # No studio (a failed set-up): an installation-wide row the app may add, not read.
                await enter_studio(session, call.tenant_id)
                if isinstance(exc, Refused):
                    call.detail["refusals"] = [r.code for r in exc.refusals]
                session.add(_event(call, _outcome(exc), _sentence(exc), started))
        except Exception:  # the audit must never hide the original error
            log.exception("could not write the audit event for %s", action)


def _json(value: Any) -> Any:
    """Command arguments as JSON keeps them: ids and times as text."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, float, str, bool)):
        return value.value
    return value


def _sentence(exc: BaseException) -> str:
    """What the audit log says about a failure: our own errors are sentences already; anything
    else is a bug whose text means nothing to an admin (the log file keeps the trace)."""
    if isinstance(exc, PhotoFlowError):
        return str(exc) or "The action was not done."
    return "It failed because of an error in PhotoFlow; nothing was changed. The log has details."


def _event(call: Call, outcome: str, message: str | None, started: float) -> AuditEvent:
    from core.catalog import AuditEvent  # the audit table loads with the first audited call

    actor = call.actor
    return AuditEvent(
        id=uuid.uuid4(),
        tenant_id=call.tenant_id,
        actor=actor.label if actor else "system",
        actor_id=actor.user_id if isinstance(actor, Actor) else None,
        link_id=actor.link_id if isinstance(actor, Guest) else None,
        action=call.action,
        target_type=call.target_type,
        target_id=call.target_id,
        target=call.target,
        album_id=call.album_id,
        outcome=outcome,
        message=message[:2000] if message else None,
        detail=call.detail,
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
    )


async def _check_standing(session: AsyncSession, actor: Actor | Guest) -> Tenant:
    """A deactivated user or a suspended studio can do nothing (a superadmin still can)."""
    tenant = await session.get(Tenant, actor.tenant_id)
    if tenant is None:
        raise NotPermitted("This studio no longer exists.")
    if isinstance(actor, Actor):
        user = await session.scalar(select(User).where(User.id == actor.user_id))
        if user is None:  # a superadmin working in another studio: their account is at home
            user = await _user_at_home(session, actor)
        if user is None or not user.active:
            raise NotPermitted(f"{actor.email} is not an active user any more.")
        if user.role != actor.role.value:
            raise NotPermitted(
                f"The role of {actor.email} changed to {user.role}; sign in again to go on."
            )
        if user.tenant_id != actor.tenant_id and user.role != "superadmin":
            raise NotPermitted(f"{actor.email} does not work in this studio.")
        if tenant.suspended_at is not None and actor.role.value != "superadmin":
            raise NotPermitted(f"The studio {tenant.name!r} is suspended.")
    elif tenant.suspended_at is not None:
        raise NotPermitted("This gallery is not available.")
    return tenant


async def _user_at_home(session: AsyncSession, actor: Actor) -> User | None:
    home = await studio_of_user_id(session, actor.user_id)
    if home is None or home == actor.tenant_id:
        return None
    await enter_studio(session, home)
    try:
        return await session.scalar(select(User).where(User.id == actor.user_id))
    finally:
        await enter_studio(session, actor.tenant_id)
