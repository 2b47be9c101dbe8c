"""People of a studio and their roles; turning an e-mail into the Actor that services check."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from core.catalog import Tenant, User
from core.catalog.lookups import first_superadmin, studio_named, studio_of_user
from core.changes import Change
from core.errors import Conflict, Invalid, NotFound, NotPermitted
from core.policies import Actor, Permission, Role, require
from core.services.context import Call, ServiceContext

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 320:
        raise Invalid(f"{email!r} is not an e-mail address.")
    return email


def as_role(value: Role | str) -> Role:
    """A role from a Role or its name: Qt widgets hand an enum back as its plain text."""
    try:
        return Role.parse(str(value))
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise Invalid(f"{value!s} is not a role; the roles are {names}.") from None


@dataclass(frozen=True)
class UserView:
    id: uuid.UUID
    email: str
    name: str
    role: Role
    active: bool
    tenant_id: uuid.UUID
    studio: str

    @classmethod
    def of(cls, user: User, studio: str) -> UserView:
        return cls(
            user.id, user.email, user.name, Role(user.role), user.active, user.tenant_id, studio
        )


async def user_and_studio(call: Call, email: str) -> tuple[User, Tenant] | None:
    """The user with this (normalised) e-mail and their studio, in whichever studio they work:
    the call enters that studio (see core/catalog/rls.py)."""
    home = await studio_of_user(call.session, email)
    if home is None:
        return None
    await call.enter(home)
    row = (
        await call.session.execute(
            select(User, Tenant)
            .join(Tenant, Tenant.id == User.tenant_id)
            .where(User.email == email)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


class UserService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def actor_for(self, email: str, *, studio: str | None = None) -> Actor:
        """The Actor for a user; a superadmin may work in another studio by name."""
        email = email.strip().lower()
        async with self.ctx.call(None, "user.sign_in", audit=False) as call:
            found = await user_and_studio(call, email)
            if found is None:
                raise NotFound(f"No user {email} in this PhotoFlow home.")
            user, tenant = found
            if not user.active:
                raise NotPermitted(f"{email} has been deactivated.")
            tenant_id = tenant.id
            if studio and studio.strip() != tenant.name:
                if user.role != Role.SUPERADMIN.value:
                    raise NotPermitted("Only a superadmin can work in another studio.")
                other = await studio_named(call.session, studio.strip())
                if other is None:
                    raise NotFound(f"No studio named {studio!r}.")
                tenant_id = other
            return Actor(user.id, user.email, Role(user.role), tenant_id, user.name)

    async def installation_admin(self) -> str | None:
        """The e-mail of the first superadmin: who a home acts as when nobody is named."""
        async with self.ctx.call(None, "user.default", audit=False) as call:
            return await first_superadmin(call.session)

    async def add(self, actor: Actor, email: str, role: Role | str, name: str = "") -> UserView:
        email = check_email(email)
        role = as_role(role)
        async with self.ctx.call(actor, "user.add") as call:
            require(actor, Permission.MANAGE_STUDIO)
            if role is Role.SUPERADMIN and actor.role is not Role.SUPERADMIN:
                raise NotPermitted("Only a superadmin can make another superadmin.")
            if await studio_of_user(call.session, email) is not None:  # in any studio
                raise Conflict(f"{email} already has an account.")
            user = User(
                id=uuid.uuid4(),
                tenant_id=actor.tenant_id,
                email=email,
                name=name.strip(),
                role=role.value,
            )
            call.session.add(user)
            call.on("user", user.id, email)
            call.detail["role"] = role.value
            call.emit(Change.USER_CHANGED, user_id=user.id, email=email)
            return UserView.of(user, await _studio(call.session, actor.tenant_id))

    async def list(self, actor: Actor) -> list[UserView]:
        async with self.ctx.call(actor, "user.list", audit=False) as call:
            require(actor, Permission.MANAGE_STUDIO)
            studio = await _studio(call.session, actor.tenant_id)
            users = await call.session.scalars(
                select(User).where(User.tenant_id == actor.tenant_id).order_by(User.email)
            )
            return [UserView.of(u, studio) for u in users]

    async def set_role(self, actor: Actor, email: str, role: Role | str) -> UserView:
        return await self._change(actor, email, "user.set_role", role=as_role(role))

    async def set_active(self, actor: Actor, email: str, active: bool) -> UserView:
        return await self._change(actor, email, "user.set_active", active=active)

    async def _change(
        self,
        actor: Actor,
        email: str,
        action: str,
        *,
        role: Role | None = None,
        active: bool | None = None,
    ) -> UserView:
        email = email.strip().lower()
        async with self.ctx.call(actor, action) as call:
            require(actor, Permission.MANAGE_STUDIO)
            user = await call.session.scalar(
                select(User).where(User.email == email, User.tenant_id == actor.tenant_id)
            )
            if user is None:
                raise NotFound(f"No user {email} in this studio.")
            call.on("user", user.id, email)
            if user.id == actor.user_id:
                raise Invalid("You cannot change your own role or deactivate yourself.")
            if role is not None:
                if Role.SUPERADMIN in (role, Role(user.role)) and actor.role is not Role.SUPERADMIN:
                    raise NotPermitted("Only a superadmin can grant or take the superadmin role.")
                call.detail["role"] = {"from": user.role, "to": role.value}
                user.role = role.value
            if active is not None:
                call.detail["active"] = active
                user.active = active
            call.emit(Change.USER_CHANGED, user_id=user.id, email=email)
            return UserView.of(user, await _studio(call.session, actor.tenant_id))


async def _studio(session, tenant_id: uuid.UUID) -> str:  # type: ignore[no-untyped-def]
    return (await session.get(Tenant, tenant_id)).name
