"""The studio's e-mail, as far as the catalog goes: what to send to whom, kept in an outbox until
a sender (sync/mail, the only part that talks SMTP) has sent it.

Messages are queued by the journal's changes (a client sent a selection), by the studio (an
invitation), and by a scheduled check (reminders). Each has a key unique in its studio, so a
message is queued once however many processes follow the journal or run the check; a sender
claims a message for a while before it sends it, so two senders never send the same one. A
message that fails stays in the outbox and is tried again later.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from core.catalog import Album, MailMessage, MailStop, SentSelection, ShareLink, Tenant, User
from core.catalog.base import utcnow
from core.catalog.lookups import studio_ids, studio_of_link
from core.changes import Change
from core.errors import Invalid, NotFound
from core.events import Event
from core.policies import Actor, Permission, require
from core.services.albums import studio_settings
from core.services.context import Call, ServiceContext
from core.services.link_seal import LinkSeal, SealBroken
from core.services.links import link_url, token_hash
from core.services.mail_words import Letter, invite, reminder, submitted
from core.settings import StudioSettings
from core.workflow import Stage

ADDRESS = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
CLAIM_FOR = timedelta(minutes=5)  # a sender that died leaves its claim this long
RETRY_AFTER = (60, 300, 900, 3600)  # seconds before the next try, by attempts so far
MAX_ATTEMPTS = 8  # a message the server refused this often is given up (kept, with its error)
CATCH_UP = timedelta(days=1)  # sent selections a postman that missed events still tells about
STOP_TOKEN = re.compile(r"^([0-9a-f-]{36})\.([A-Za-z0-9_-]{20,64})$")


def clean_address(text: str) -> str:
    address = (text or "").strip()
    if not ADDRESS.match(address):
        raise Invalid(f"{address or 'An empty address'!r} is not an e-mail address.")
    if not address.isascii():
        raise Invalid(
            f"{address!r} has accents or non-Latin letters, which many mail servers refuse: "
            "give an address in plain Latin letters."
        )
    return address


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SmtpServer:
    """Where the studio's mail goes out (the password is not here: it is in the OS keyring)."""

    host: str
    port: int
    security: str
    user: str
    sender: str
    studio: str = ""  # the name mail comes from

    @classmethod
    def of(cls, s: StudioSettings, studio: str = "") -> SmtpServer:
        return cls(s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_user, s.smtp_from, studio)


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, ready for the SMTP server."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    to: str
    subject: str
    text: str
    html: str
    attempts: int


@dataclass(frozen=True)
class Invitation:
    to: str
    has_pin: bool  # then the studio gives the PIN by phone or message: it is never e-mailed
    message_id: uuid.UUID


class MailDesk(Protocol):
    """What the desktop's settings dialog may do with the studio's mail (built in app/)."""

    async def has_password(self) -> bool:
        """Whether a password is kept (the keyring is asked off the GUI thread)."""

    async def save_password(self, password: str) -> None: ...

    async def check(self, server: SmtpServer, password: str | None = None) -> None:
        """Sign in to the server and out again; Invalid with a plain sentence when it fails."""

    def wake(self) -> None:
        """Send what is waiting now, not at the next round."""


async def _studio_link(call: Call, actor: Actor, link_id: uuid.UUID) -> ShareLink:
    link = await call.session.get(ShareLink, link_id)
    if link is None or link.tenant_id != actor.tenant_id:
        raise NotFound("No such link.")
    return link


class MailService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.seal = LinkSeal(ctx.home.root)

    # --- what the studio does ---

    async def invite(self, actor: Actor, link_id: uuid.UUID, to: str, url: str) -> Invitation:
        """Queue the client's invitation with the link's address (never its PIN)."""
        to = clean_address(to)
        async with self.ctx.call(actor, "link.invite") as call:
            require(actor, Permission.PUBLISH_LINKS)
            link = await _studio_link(call, actor, link_id)
            album = await call.session.get(Album, link.album_id)
            settings = await studio_settings(call.session, actor.tenant_id)
            if not settings.mail_on:
                raise Invalid(
                    "The studio sends no e-mail yet: set its SMTP server in the studio settings."
                )
            call.on("link", link.id, album.name)
            call.album_id = album.id
            call.detail["to"] = to
            letter = invite(
                call.studio.name if call.studio else "Your photographer",
                album.name,
                url,
                has_pin=link.pin_hash is not None,
                expires=link.expires_at,
            )
            message = _message(actor.tenant_id, f"invite:{uuid.uuid4()}", "invite", to, letter)
            message.link_id = link.id
            call.session.add(message)
            # This desktop sends the invitation (only it knows the link's token); the studio
            # server, which sends the reminders, is told who was invited, and the token, for
            # the reminders' link (it keeps it sealed with its own key, as this desktop does).
            told = {"link": str(link.id), "to": to, "message": str(message.id)}
            if self.ctx.keep_commands and link.token_sealed is not None:
                with contextlib.suppress(SealBroken):
                    told["token"] = self.seal.open(link.id, link.token_sealed)
            call.command("link.invited", **told)
            return Invitation(to, link.pin_hash is not None, message.id)

    async def invited(
        self,
        actor: Actor,
        link_id: uuid.UUID,
        to: str,
        message_id: uuid.UUID,
        token: str | None = None,
    ) -> None:
        """On the studio server: a desktop invited `to` through the link (and sent it itself);
        kept as a sent invitation, so the server's postman reminds that client when due, with
        the link's address when `token` is the link's own."""
        to = clean_address(to)
        async with self.ctx.call(actor, "link.invited") as call:
            require(actor, Permission.PUBLISH_LINKS)
            link = await _studio_link(call, actor, link_id)
            album = await call.session.get(Album, link.album_id)
            call.on("link", link.id, album.name if album else None)
            call.detail["to"] = to
            if token and link.token_sealed is None and token_hash(token) == link.token_hash:
                link.token_sealed = self.seal.seal(link.id, token)
            sent = Letter(f"Invitation sent from a desktop: {to}", "", "")
            message = _message(actor.tenant_id, f"invite:{message_id}", "invite", to, sent)
            message.link_id, message.sent_at = link.id, utcnow()
            await _queue_once(call, message)

    async def smtp_for(self, actor: Actor) -> SmtpServer | None:
        """The studio's SMTP server, for an admin setting its password (None: none set)."""
        async with self.ctx.call(actor, "mail.password") as call:
            require(actor, Permission.MANAGE_STUDIO)
            call.on("tenant", actor.tenant_id, call.studio.name if call.studio else None)
            settings = await studio_settings(call.session, actor.tenant_id)
            name = call.studio.name if call.studio else ""
            return SmtpServer.of(settings, name) if settings.mail_on else None

    async def studios_with_mail(self) -> list[uuid.UUID]:
        """The studios of this catalog that send e-mail (an SMTP server set): a studio server
        runs a postman for each."""
        async with self.ctx.call(None, "mail.studios", audit=False) as call:
            found = []
            for tenant_id in await studio_ids(call.session):
                await call.enter(tenant_id)
                if (await studio_settings(call.session, tenant_id)).mail_on:
                    found.append(tenant_id)
            return found

    async def outbox(self, actor: Actor) -> tuple[int, str | None]:
        """Messages waiting to be sent, and the last error among them."""
        async with self.ctx.call(actor, "mail.outbox", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            rows = (
                await call.session.execute(
                    select(MailMessage.last_error)
                    .where(MailMessage.tenant_id == actor.tenant_id, MailMessage.sent_at.is_(None))
                    .order_by(MailMessage.updated_at.desc())
                )
            ).all()
            return len(rows), next((r[0] for r in rows if r[0]), None)

    async def message_state(self, actor: Actor, message_id: uuid.UUID) -> tuple[bool, str | None]:
        """Whether one message (an invitation) was sent, and else why it was not yet."""
        async with self.ctx.call(actor, "mail.message", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            row = await call.session.get(MailMessage, message_id)
            if row is None or row.tenant_id != actor.tenant_id:
                raise NotFound("No such message.")
            return row.sent_at is not None, row.last_error

    # --- what the journal and the clock do (no one is signed in: the studio is given) ---

    async def server(self, tenant_id: uuid.UUID) -> SmtpServer | None:
        async with self.ctx.call(None, "mail.server", audit=False) as call:
            await call.enter(tenant_id)
            settings = await studio_settings(call.session, tenant_id)
            tenant = await call.session.get(Tenant, tenant_id)
            name = tenant.name if tenant is not None else ""
            return SmtpServer.of(settings, name) if settings.mail_on else None

    async def on_change(self, event: Event) -> int:
        """Queue what a committed change asks for; returns how many messages were queued."""
        if event.kind is not Change.SELECTION_SUBMITTED or event.album_id is None:
            return 0
        guest = str(event.data.get("guest") or "")
        return await self._tell_sent(
            event.tenant_id,
            (SentSelection.album_id == event.album_id, SentSelection.guest_name == guest),
            1,
            event.data.get("selected"),
        )

    async def catch_up(self, tenant_id: uuid.UUID, now: datetime | None = None) -> int:
        """Tell the photographer of every selection sent lately that was not told yet (a postman
        that started late, or whose events overflowed); returns how many messages were queued."""
        since = (now or utcnow()) - CATCH_UP
        return await self._tell_sent(tenant_id, (SentSelection.sent_at >= since,), None, None)

    async def _tell_sent(
        self, tenant_id: uuid.UUID, where: tuple, limit: int | None, selected: object
    ) -> int:
        """Queue the photographer's notice of the sent selections found, keyed on the selection
        (its link, guest and time), not on this catalog's journal numbers. A desktop synced with
        a studio server queues none: the server's postman tells of what clients send there."""
        if self.ctx.keep_commands:
            return 0
        async with self.ctx.call(None, "mail.queue", audit=False) as call:
            await call.enter(tenant_id)
            settings = await studio_settings(call.session, tenant_id)
            if not settings.mail_on:
                return 0
            found = await call.session.scalars(
                select(SentSelection)
                .where(SentSelection.tenant_id == tenant_id, *where)
                .order_by(SentSelection.sent_at.desc())
                .limit(limit)
            )
            queued = 0
            for sent in list(found):
                album = await call.session.get(Album, sent.album_id)
                if album is None:
                    continue
                letter = submitted(
                    album.name,
                    sent.guest_name or "A client",
                    sent.picks,
                    selected if isinstance(selected, int) else None,
                )
                people = await call.session.scalars(
                    select(User.email).where(
                        User.tenant_id == tenant_id,
                        User.active,
                        or_(User.id == album.created_by, User.role.in_(("admin", "superadmin"))),
                    )
                )
                about = f"{sent.guest_name}\n{sent.sent_at.isoformat()}"
                for email in sorted(set(people)):
                    key = f"submitted:{sent.link_id}:{_hash(about + chr(10) + email)[:40]}"
                    queued += await _queue_once(
                        call, _message(tenant_id, key, "submitted", email, letter)
                    )
            return queued

    async def queue_reminders(self, tenant_id: uuid.UUID, now: datetime | None = None) -> int:
        """Remind each invited client once before their link expires, and once when their
        picks were never sent; an address that said stop gets none."""
        if self.ctx.keep_commands:  # a desktop synced with a studio server: the server reminds
            return 0
        now = now or utcnow()
        async with self.ctx.call(None, "mail.reminders", audit=False) as call:
            await call.enter(tenant_id)
            settings = await studio_settings(call.session, tenant_id)
            if not settings.mail_on:
                return 0
            tenant = await call.session.get(Tenant, tenant_id)
            studio = tenant.name if tenant is not None else "Your photographer"
            invited = (
                await call.session.execute(
                    select(MailMessage.link_id, MailMessage.to_address, MailMessage.created_at)
                    .where(
                        MailMessage.tenant_id == tenant_id,
                        MailMessage.kind == "invite",
                        MailMessage.link_id.is_not(None),
                    )
                    .order_by(MailMessage.created_at)
                )
            ).all()
            stopped = set(
                (
                    await call.session.execute(
                        select(MailStop.link_id, MailStop.address).where(
                            MailStop.tenant_id == tenant_id, MailStop.stopped_at.is_not(None)
                        )
                    )
                ).all()
            )
            queued = 0
            seen: set[tuple[uuid.UUID, str]] = set()
            for link_id, address, invited_at in invited:
                if (link_id, address) in seen or (link_id, address) in stopped:
                    continue
                seen.add((link_id, address))
                link = await call.session.get(ShareLink, link_id)
                if link is None or link.revoked_at is not None:
                    continue
                if link.expires_at is not None and link.expires_at <= now:
                    continue
                album = await call.session.get(Album, link.album_id)
                if album is None or album.trashed_at is not None:
                    continue
                for why in _reminders_due(settings, link, album, invited_at, now):
                    key = f"remind-{why}:{link.id}:{address}"
                    if await call.session.scalar(
                        select(MailMessage.id).where(
                            MailMessage.tenant_id == tenant_id, MailMessage.key == key
                        )
                    ):
                        continue
                    token = f"{link.id}.{secrets.token_urlsafe(24)}"
                    stop_url = f"{settings.portal_base_url.rstrip('/')}/unsubscribe/{token}"
                    letter = reminder(
                        studio,
                        album.name,
                        self._url(link, settings),
                        why,
                        link.expires_at,
                        stop_url,
                    )
                    message = _message(tenant_id, key, "reminder", address, letter)
                    message.link_id = link.id
                    if await _queue_once(call, message):
                        call.session.add(
                            MailStop(
                                tenant_id=tenant_id,
                                link_id=link.id,
                                address=address,
                                token_hash=_hash(token),
                            )
                        )
                        queued += 1
            return queued

    def _url(self, link: ShareLink, settings: StudioSettings) -> str:
        """The gallery's address where this home published the link; else the portal's."""
        if link.token_sealed is not None:
            try:
                return link_url(
                    settings.portal_base_url, self.seal.open(link.id, link.token_sealed)
                )
            except SealBroken:
                pass
        return settings.portal_base_url  # the client opens the link of their invitation

    async def claim(
        self, tenant_id: uuid.UUID, limit: int = 20, now: datetime | None = None
    ) -> list[Outgoing]:
        """Messages due, each claimed for this sender for a while (no other sender takes it)."""
        now = now or utcnow()
        async with self.ctx.call(None, "mail.claim", audit=False) as call:
            await call.enter(tenant_id)
            due = list(
                await call.session.scalars(
                    select(MailMessage)
                    .where(
                        MailMessage.tenant_id == tenant_id,
                        MailMessage.sent_at.is_(None),
                        MailMessage.attempts < MAX_ATTEMPTS,
                        or_(MailMessage.next_try_at.is_(None), MailMessage.next_try_at <= now),
                        or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until < now),
                    )
                    .order_by(MailMessage.created_at)
                    .limit(limit)
                )
            )
            mine = []
            for m in due:
                won = await call.session.execute(
                    update(MailMessage)
                    .where(
                        MailMessage.id == m.id,
                        MailMessage.sent_at.is_(None),
                        or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until < now),
                    )
                    .values(claimed_until=now + CLAIM_FOR)
                    .execution_options(synchronize_session=False)
                )
                if won.rowcount == 1:  # type: ignore[attr-defined]
                    mine.append(
                        Outgoing(
                            m.id,
                            tenant_id,
                            m.kind,
                            m.to_address,
                            m.subject,
                            m.text_body,
                            m.html_body,
                            m.attempts,
                        )
                    )
            return mine

    async def sent(self, message: Outgoing) -> None:
        async with self.ctx.call(None, "mail.sent", audit=False) as call:
            await call.enter(message.tenant_id)
            await call.session.execute(
                update(MailMessage)
                .where(MailMessage.id == message.id)
                .values(
                    sent_at=utcnow(),
                    claimed_until=None,
                    last_error=None,
                    attempts=MailMessage.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )

    async def failed(
        self, message: Outgoing, error: str, *, refused: bool = False, now: datetime | None = None
    ) -> None:
        """The message stays in the outbox and is tried again later. One the server `refused`
        (its address, its content) is given up after MAX_ATTEMPTS tries, kept with its error;
        one that could not go for want of a connection waits, at the longest interval, for good."""
        now = now or utcnow()
        wait = RETRY_AFTER[min(message.attempts, len(RETRY_AFTER) - 1)]
        attempts = message.attempts + 1 if refused else min(message.attempts + 1, MAX_ATTEMPTS - 1)
        if attempts >= MAX_ATTEMPTS:
            error = f"Given up after {attempts} tries: {error}"
        async with self.ctx.call(None, "mail.failed", audit=False) as call:
            await call.enter(message.tenant_id)
            await call.session.execute(
                update(MailMessage)
                .where(MailMessage.id == message.id)
                .values(
                    claimed_until=None,
                    last_error=error[:500],
                    attempts=attempts,
                    next_try_at=now + timedelta(seconds=wait),
                )
                .execution_options(synchronize_session=False)
            )

    async def retry_now(self, tenant_id: uuid.UUID) -> None:
        """The settings changed (a new password): every waiting message may go at once."""
        async with self.ctx.call(None, "mail.retry", audit=False) as call:
            await call.enter(tenant_id)
            await call.session.execute(
                update(MailMessage)
                .where(MailMessage.tenant_id == tenant_id, MailMessage.sent_at.is_(None))
                .values(next_try_at=None)
                .execution_options(synchronize_session=False)
            )

    # --- what a client does through the portal ---

    async def stop_reminders(self, token: str) -> bool:
        """The unsubscribe address of a reminder: no more reminders about that link to that
        address. False for a token that is not one (nothing is said about why)."""
        found = STOP_TOKEN.match(token or "")
        if found is None:
            return False
        try:
            link_id = uuid.UUID(found.group(1))
        except ValueError:
            return False
        async with self.ctx.call(None, "mail.unsubscribe", audit=False) as call:
            tenant = await studio_of_link(call.session, link_id)
            if tenant is None:
                return False
            await call.enter(tenant)
            row = await call.session.scalar(
                select(MailStop).where(
                    MailStop.token_hash == _hash(token), MailStop.link_id == link_id
                )
            )
            if row is None:
                return False
            await call.session.execute(
                update(MailStop)
                .where(MailStop.link_id == link_id, MailStop.address == row.address)
                .values(stopped_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return True


def _reminders_due(
    settings: StudioSettings,
    link: ShareLink,
    album: Album,
    invited_at: datetime,
    now: datetime,
) -> list[str]:
    due = []
    before = settings.remind_days_before_expiry
    if before and link.expires_at is not None and link.expires_at - now <= timedelta(days=before):
        due.append("expiry")
    after = settings.remind_unsent_after_days
    if (
        after
        and Stage(album.stage) is Stage.RATE
        and link.submitted_at is None
        and now - invited_at >= timedelta(days=after)
    ):
        due.append("picks")
    return due


def _message(tenant_id: uuid.UUID, key: str, kind: str, to: str, letter: Letter) -> MailMessage:
    return MailMessage(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        key=key[:200],
        kind=kind,
        to_address=to,
        subject=letter.subject[:300],
        text_body=letter.text,
        html_body=letter.html,
        attempts=0,
    )


async def _queue_once(call: Call, message: MailMessage) -> int:
    """Add the message unless its key is queued already (by this process or another): the
    unique key is the claim, taken in a savepoint so that losing it loses nothing else."""
    try:
        async with call.session.begin_nested():
            call.session.add(message)
            await call.session.flush()
    except IntegrityError:
        return 0
    return 1
