"""Staff who sign in to a studio server: invitations, passwords, and the devices they sign in from.

An admin invites someone by e-mail and role and hands them a one-time code; they accept it with a
password (argon2, memory-hard). Signing in with e-mail, password and a device name gives that
device a token; the server knows who is asking from the token alone (`actor_for_device`), so a
desktop cannot claim another role. Only hashes of codes and tokens are stored.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from core.catalog import Device, StaffInvite, Tenant, User
from core.catalog.base import utcnow
from core.catalog.lookups import studio_of_user
from core.catalog.staff_lookups import studio_of_device_token, studio_of_invite_code
from core.changes import Change
from core.errors import Conflict, Invalid, NotFound, NotSignedIn, PhotoFlowError, TooManySignIns
from core.policies import Actor, Permission, Role, require
from core.services.client_state import PinLimiter
from core.services.context import Call, ServiceContext
from core.services.users import as_role, check_email, user_and_studio

INVITE_DAYS = 7
SIGN_IN_LIMIT = 10  # wrong passwords per e-mail, and per address, in SIGN_IN_WINDOW_S
SIGN_IN_WINDOW_S = 15 * 60
MIN_PASSWORD = 10
SEEN_EVERY_S = 60  # last_seen_at is written at most this often per device
WRONG = "That e-mail and password do not match."
BAD_CODE = "That invitation code is not valid: it may be mistyped, used already or expired."


@functools.cache
def _hasher() -> Any:
    """argon2id with the library's memory-hard defaults (64 MiB, 3 passes); loaded on first use,
    so that commands that sign nobody in do not pay for it."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@functools.cache
def _nobody() -> str:
    """Checked against when no such user exists, so a wrong e-mail takes as long as a wrong
    password."""
    return str(_hasher().hash(secrets.token_hex(16)))


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode()  # 16 characters, 80 bits
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _plain_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class Invitation:
    """What the admin hands on: the code is shown once and never stored."""

    email: str
    role: Role
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class DeviceView:
    id: uuid.UUID
    name: str
    email: str
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def as_json(self) -> dict[str, Any]:
        """As the studio server's API and `photoflow devices --json` give it."""
        return {
            "id": str(self.id),
            "name": self.name,
            "email": self.email,
            "created_at": self.created_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat() if self.last_seen_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclass(frozen=True)
class SignedIn:
    """A device's sign-in: the token is given once, to this device only."""

    token: str
    device: DeviceView
    actor: Actor


def _device_view(device: Device, email: str) -> DeviceView:
    return DeviceView(
        device.id,
        device.name,
        email,
        device.created_at,
        device.last_seen_at,
        device.revoked_at,
    )


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password) > 1000:
        raise Invalid("A password can be at most 1,000 characters.")
    return password


def _device_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Invalid("Give this device a name, such as 'Ana's laptop'.")
    return name[:200]


def _verify(stored: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored or _nobody(), password)) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


class StaffService:
    def __init__(self, ctx: ServiceContext, limiter: PinLimiter | None = None) -> None:
        self.ctx = ctx
        # Wrong passwords and codes are counted in the catalog as wrong PINs are (their keys apart),
        # so every process of a studio server counts them together, and a restart forgives none.
        self.limiter = limiter or PinLimiter(ctx, SIGN_IN_LIMIT, SIGN_IN_WINDOW_S)

    async def invite(
        self, actor: Actor, email: str, role: Role | str, name: str = ""
    ) -> Invitation:
        """A one-time code for a new colleague, or for an existing one to set a password."""
        email, role = check_email(email), as_role(role)
        code = _new_code()
        async with self.ctx.call(actor, "staff.invite") as call:
            require(actor, Permission.MANAGE_STUDIO)
            if role is Role.SUPERADMIN and actor.role is not Role.SUPERADMIN:
                raise Invalid("Only a superadmin can invite another superadmin.")
            home = await studio_of_user(call.session, email)
            if home is not None and home != actor.tenant_id:
                raise Conflict(f"{email} already works in another studio.")
            user = await call.session.scalar(
                select(User).where(User.email == email, User.tenant_id == actor.tenant_id)
            )
            if user is not None:
                role = Role(user.role)  # a code for an existing user sets the password only
            invite = StaffInvite(
                id=uuid.uuid4(),
                tenant_id=actor.tenant_id,
                email=email,
                name=" ".join(name.split())[:200],
                role=role.value,
                code_hash=digest(_plain_code(code)),
                invited_by=actor.user_id,
                expires_at=utcnow() + timedelta(days=INVITE_DAYS),
            )
            call.session.add(invite)
            call.on("user", user.id if user else None, email)
            call.detail["role"] = role.value
            call.emit(Change.USER_CHANGED, email=email, invited=True)
            return Invitation(email, role, code, invite.expires_at)

    async def accept(self, code: str, password: str, *, client: str = "") -> Actor:
        """The invited person sets a password; the code then works no more."""
        _check_password(password)
        counted = await self._count_try((f"staff-code:{client}",) if client else ())
        try:
            code_hash = digest(_plain_code(code))
            async with self.ctx.call(None, "staff.invite_lookup", audit=False) as call:
                studio = await studio_of_invite_code(call.session, code_hash)
                if studio is None:
                    raise NotSignedIn(BAD_CODE)
                await _enter(call, studio)
                invite = await call.session.scalar(
                    select(StaffInvite).where(StaffInvite.code_hash == code_hash)
                )
                usable = (
                    invite is not None
                    and invite.accepted_at is None
                    and invite.expires_at > utcnow()
                )
                if not usable or invite is None:
                    raise NotSignedIn(BAD_CODE)
                invite_id, tenant_id, email = invite.id, invite.tenant_id, invite.email
        except NotSignedIn:
            raise  # a wrong code stays counted
        except BaseException:
            await self._forgive(counted)
            raise
        await self._forgive(counted)
        hashed = await asyncio.to_thread(hash_password, password)
        async with self.ctx.call(None, "staff.accept") as call:
            call.tenant_id = tenant_id
            await _enter(call, tenant_id)
            invite = await call.session.get(StaffInvite, invite_id, with_for_update=True)
            if invite is None or invite.accepted_at is not None:
                raise NotSignedIn(BAD_CODE)
            invite.accepted_at = utcnow()
            home = await studio_of_user(call.session, email)
            if home is not None and home != tenant_id:
                raise Conflict(f"{email} already works in another studio.")
            user = await call.session.scalar(
                select(User).where(User.email == email, User.tenant_id == tenant_id)
            )
            if user is None:
                user = User(
                    id=uuid.uuid4(),
                    tenant_id=tenant_id,
                    email=email,
                    name=invite.name,
                    role=invite.role,
                )
                call.session.add(user)
            user.password_hash = hashed
            actor = Actor(user.id, user.email, Role(user.role), tenant_id, user.name)
            call.actor = actor  # the audit names the person who accepted
            call.on("user", user.id, email)
            call.emit(Change.USER_CHANGED, user_id=user.id, email=email, accepted=True)
            return actor

    async def sign_in(
        self, email: str, password: str, device_name: str, *, client: str = ""
    ) -> SignedIn:
        """A new device token for this desktop; wrong passwords are limited per e-mail and
        per address."""
        email = email.strip().lower()
        name = _device_name(device_name)
        keys = [f"staff-email:{email}"] + ([f"staff-addr:{client[:100]}"] if client else [])
        counted = await self._count_try(keys)
        try:
            async with self.ctx.call(None, "staff.sign_in_lookup", audit=False) as call:
                found = await user_and_studio(call, email)
                user, tenant = found if found is not None else (None, None)
                stored = user.password_hash if user is not None else None
            right = await asyncio.to_thread(_verify, stored, password[:1000])
        except BaseException:
            await self._forgive(counted)
            raise
        if not right or user is None or tenant is None:
            if user is not None:
                await self._audit_wrong_password(user, client)
            raise NotSignedIn(WRONG)
        await self._forgive(counted)
        actor = Actor(user.id, user.email, Role(user.role), user.tenant_id, user.name)
        token = secrets.token_urlsafe(32)
        async with self.ctx.call(actor, "device.sign_in") as call:
            device = Device(
                id=uuid.uuid4(),
                tenant_id=actor.tenant_id,
                user_id=actor.user_id,
                name=name,
                token_hash=digest(token),
                last_seen_at=utcnow(),
            )
            call.session.add(device)
            await call.session.flush()
            call.on("device", device.id, f"{name} ({email})")
            call.detail["client"] = client[:100]
            call.emit(Change.DEVICE_CHANGED, device_id=device.id, email=email, signed_in=True)
            view = _device_view(device, email)
        return SignedIn(token, view, actor)

    async def actor_for_device(self, token: str) -> Actor:
        """Who a device token speaks for, checked now: revoked device, deactivated user or
        suspended studio are refused."""
        if not 20 <= len(token) <= 200:
            raise NotSignedIn("Sign in again: this device is not signed in.")
        token_hash = digest(token)
        async with self.ctx.call(None, "device.lookup", audit=False) as call:
            studio = await studio_of_device_token(call.session, token_hash)
            if studio is None:
                raise NotSignedIn("Sign in again: this device is not signed in.")
            await _enter(call, studio)
            row = (
                await call.session.execute(
                    select(Device, User, Tenant)
                    .join(User, User.id == Device.user_id)
                    .join(Tenant, Tenant.id == Device.tenant_id)
                    .where(Device.token_hash == token_hash)
                )
            ).first()
            if row is None:
                raise NotSignedIn("Sign in again: this device is not signed in.")
            device, user, tenant = row
            if device.revoked_at is not None:
                raise NotSignedIn("This device was signed out by an admin; sign in again.")
            if not user.active:
                raise NotSignedIn(f"{user.email} has been deactivated.")
            if tenant.suspended_at is not None and user.role != Role.SUPERADMIN.value:
                raise NotSignedIn(f"The studio {tenant.name!r} is suspended.")
            now = utcnow()
            last = device.last_seen_at
            if last is None or (now - last).total_seconds() > SEEN_EVERY_S:
                # A plain UPDATE, not the ORM's versioned one: a device's requests run at once
                # (a push and a pull) and must not clash over when it was last seen.
                await call.session.execute(
                    update(Device)
                    .where(Device.id == device.id)
                    .values(last_seen_at=now)
                    .execution_options(synchronize_session=False)
                )
            return Actor(user.id, user.email, Role(user.role), user.tenant_id, user.name)

    async def devices(self, actor: Actor) -> list[DeviceView]:
        """The studio's signed-in devices (admin), newest first; revoked ones stay listed."""
        async with self.ctx.call(actor, "device.list", audit=False) as call:
            require(actor, Permission.MANAGE_STUDIO)
            rows = await call.session.execute(
                select(Device, User.email)
                .join(User, User.id == Device.user_id)
                .where(Device.tenant_id == actor.tenant_id)
                .order_by(Device.created_at.desc())
            )
            return [_device_view(d, email) for d, email in rows]

    async def revoke_device(self, actor: Actor, device_id: uuid.UUID | str) -> DeviceView:
        """An admin signs a device out; its token is refused from the next request on."""
        found = _as_uuid(device_id)
        async with self.ctx.call(actor, "device.revoke") as call:
            require(actor, Permission.MANAGE_STUDIO)
            row = (
                await call.session.execute(
                    select(Device, User.email)
                    .join(User, User.id == Device.user_id)
                    .where(Device.id == found, Device.tenant_id == actor.tenant_id)
                )
            ).first()
            if row is None:
                raise NotFound("No such device in this studio.")
            device, email = row
            call.on("device", device.id, f"{device.name} ({email})")
            if device.revoked_at is None:
                device.revoked_at = utcnow()
                call.emit(Change.DEVICE_CHANGED, device_id=device.id, email=email, revoked=True)
            return _device_view(device, email)

    async def sign_out(self, actor: Actor, token: str) -> None:
        """A desktop disconnects: its own token stops working."""
        async with self.ctx.call(actor, "device.sign_out") as call:
            device = await call.session.scalar(
                select(Device).where(
                    Device.token_hash == digest(token), Device.user_id == actor.user_id
                )
            )
            if device is None:
                raise NotFound("This device is not signed in.")
            call.on("device", device.id, f"{device.name} ({actor.email})")
            if device.revoked_at is None:
                device.revoked_at = utcnow()
                call.emit(Change.DEVICE_CHANGED, device_id=device.id, revoked=True)

    async def _count_try(self, keys: Sequence[str]) -> Any:
        """Refuse when a key is locked; else count this try before it is checked, so that
        guesses sent all at once cannot slip past the limit. A right one is forgiven."""
        if not keys:
            return None
        counted = await self.limiter.attempt(keys)
        if isinstance(counted, int):
            raise TooManySignIns("Too many wrong tries. Try again later.", counted)
        return counted

    async def _forgive(self, counted: Any) -> None:
        if counted is not None:
            await self.limiter.forgive(counted)

    async def _audit_wrong_password(self, user: User, client: str) -> None:
        """The admin sees wrong passwords for a real account in the audit log."""
        actor = Actor(user.id, user.email, Role(user.role), user.tenant_id, user.name)
        # Raised inside the call, so that the audit records it as denied, with its sentence.
        with contextlib.suppress(PhotoFlowError):
            async with self.ctx.call(actor, "device.sign_in") as call:
                call.on("user", user.id, user.email)
                call.detail["client"] = client[:100]
                raise NotSignedIn(WRONG)


async def _enter(call: Call, tenant_id: uuid.UUID) -> None:
    """Work in the studio a look-up just named: on PostgreSQL with row-level security a
    transaction sees that studio's rows only."""
    await call.enter(tenant_id)


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise NotFound("No such device in this studio.") from None
