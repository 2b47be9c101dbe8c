"""Studios: the installation's first set-up, creating and suspending studios, their settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core.catalog import Album, Tenant, User
from core.catalog.base import utcnow
from core.catalog.lookups import has_users, studio_ids, studio_named, studio_of_user
from core.changes import Change
from core.errors import Conflict, Invalid, NotFound
from core.policies import Actor, Permission, Role, require
from core.services.context import ServiceContext
from core.services.users import UserView, check_email
from core.settings import StudioSettings


@dataclass(frozen=True)
class TenantView:
    id: uuid.UUID
    name: str
    suspended: bool
    suspended_at: datetime | None
    user_count: int
    album_count: int
    created_at: datetime


class TenantService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def initialise(self, studio: str, admin_email: str, admin_name: str = "") -> UserView:
        """The first studio and its admin, who is the installation's superadmin."""
        studio, email = _studio_name(studio), check_email(admin_email)
        async with self.ctx.call(None, "installation.init") as call:
            if await has_users(call.session):
                raise Conflict("This home is already set up; use another --home for a new one.")
            tenant = Tenant(id=uuid.uuid4(), name=studio, settings={})
            await call.enter(tenant.id)
            user = User(
                id=uuid.uuid4(),
                tenant_id=tenant.id,
                email=email,
                name=admin_name,
                role=Role.SUPERADMIN.value,
            )
            call.session.add_all([tenant, user])
            call.tenant_id = tenant.id
            call.on("tenant", tenant.id, studio)
            await call.session.flush()
            call.emit(Change.STUDIO_CREATED, name=studio)
            return UserView.of(user, studio)

    async def create(self, actor: Actor, name: str, admin_email: str) -> TenantView:
        name, email = _studio_name(name), check_email(admin_email)
        async with self.ctx.call(actor, "tenant.create") as call:
            require(actor, Permission.MANAGE_TENANTS)
            if await studio_named(call.session, name):
                raise Conflict(f"A studio named {name!r} already exists.")
            if await studio_of_user(call.session, email):
                raise Conflict(f"{email} already belongs to a studio.")
            tenant = Tenant(id=uuid.uuid4(), name=name, settings={})
            await call.enter(tenant.id)  # the new studio's rows go in inside it
            admin = User(id=uuid.uuid4(), tenant_id=tenant.id, email=email, role=Role.ADMIN.value)
            call.session.add(tenant)
            await call.session.flush()
            call.session.add(admin)
            call.on("tenant", tenant.id, name)
            call.detail["admin"] = email
            await call.session.flush()
            call.emit(Change.STUDIO_CREATED, tenant_id=tenant.id, name=name)
            return TenantView(tenant.id, name, False, None, 1, 0, tenant.created_at or utcnow())

    async def list(self, actor: Actor) -> list[TenantView]:
        async with self.ctx.call(actor, "tenant.list", audit=False) as call:
            require(actor, Permission.MANAGE_TENANTS)
            users = select(func.count()).where(User.tenant_id == Tenant.id).scalar_subquery()
            albums = select(func.count()).where(Album.tenant_id == Tenant.id).scalar_subquery()
            views = []
            # Each studio read inside it: the database shows a transaction one studio at a time.
            for tenant_id in await studio_ids(call.session):
                await call.enter(tenant_id)
                row = (
                    await call.session.execute(
                        select(Tenant, users, albums).where(Tenant.id == tenant_id)
                    )
                ).first()
                if row is not None:
                    t, u, a = row
                    views.append(
                        TenantView(
                            t.id,
                            t.name,
                            t.suspended_at is not None,
                            t.suspended_at,
                            u,
                            a,
                            t.created_at,
                        )
                    )
            return sorted(views, key=lambda v: v.name)

    async def suspend(self, actor: Actor, name: str, reason: str = "") -> TenantView:
        return await self._set_suspended(actor, name, True, reason)

    async def resume(self, actor: Actor, name: str) -> TenantView:
        return await self._set_suspended(actor, name, False, "")

    async def _set_suspended(self, actor: Actor, name: str, on: bool, reason: str) -> TenantView:
        action = "tenant.suspend" if on else "tenant.resume"
        async with self.ctx.call(actor, action) as call:
            require(actor, Permission.MANAGE_TENANTS)
            tenant_id = await studio_named(call.session, name.strip())
            if tenant_id is None:
                raise NotFound(f"No studio named {name!r}.")
            await call.enter(tenant_id)  # the superadmin acts on that studio, audited at home
            tenant = await call.session.get(Tenant, tenant_id)
            if tenant is None:
                raise NotFound(f"No studio named {name!r}.")
            call.on("tenant", tenant.id, tenant.name)
            if on and tenant.id == actor.tenant_id:
                raise Invalid("You cannot suspend the studio you are working in.")
            tenant.suspended_at = utcnow() if on else None
            tenant.suspended_reason = reason or None
            call.emit(Change.STUDIO_STANDING, tenant_id=tenant.id, suspended=on)
            return TenantView(
                tenant.id, tenant.name, on, tenant.suspended_at, 0, 0, tenant.created_at
            )

    async def find(self, actor: Actor, name: str) -> uuid.UUID:
        """A superadmin's switch into another studio: its id by name."""
        async with self.ctx.call(actor, "tenant.find", audit=False) as call:
            require(actor, Permission.MANAGE_TENANTS)
            tid = await studio_named(call.session, name.strip())
            if tid is None:
                raise NotFound(f"No studio named {name!r}.")
            return tid


def _studio_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Invalid("A studio needs a name.")
    if len(name) > 200:
        raise Invalid("A studio name can be at most 200 characters.")
    return name


class StudioSettingsService:
    """An admin's studio settings dialog: read and change the tenant's settings."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def get(self, actor: Actor) -> tuple[str, StudioSettings]:
        async with self.ctx.call(actor, "settings.read", audit=False) as call:
            tenant = await call.session.get(Tenant, actor.tenant_id)
            return tenant.name, StudioSettings.from_dict(tenant.settings)

    async def update(
        self, actor: Actor, *, studio_name: str | None = None, **changes: Any
    ) -> tuple[str, StudioSettings]:
        async with self.ctx.call(actor, "settings.update") as call:
            require(actor, Permission.MANAGE_STUDIO)
            tenant = await call.session.get(Tenant, actor.tenant_id)
            call.on("tenant", tenant.id, tenant.name)
            new = StudioSettings.from_dict(tenant.settings).updated(**changes)
            call.detail["changes"] = changes
            tenant.settings = new.to_dict()
            if studio_name is not None and _studio_name(studio_name) != tenant.name:
                name = _studio_name(studio_name)
                clash = await studio_named(call.session, name)
                if clash and clash != tenant.id:
                    raise Conflict(f"A studio named {name!r} already exists.")
                call.detail["studio_name"] = {"from": tenant.name, "to": name}
                tenant.name = name
            call.emit(
                Change.STUDIO_SETTINGS,
                changed=sorted(changes) + (["studio_name"] if "studio_name" in call.detail else []),
            )
            # A desktop synced with a studio server sends it the change (its SMTP server, its
            # presets): the server's postman and portal work by the studio's settings.
            call.command("settings.update", studio_name=studio_name, changes=changes)
            return tenant.name, new
