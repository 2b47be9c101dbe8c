"""Studios (tenants) with their settings, and the people who work in them."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.catalog.base import Base, Entity, TenantOwned


class Tenant(Base, Entity):
    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(String(500))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class User(Base, TenantOwned):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email", name="uq_users_email"),)

    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # argon2 hash, set when the user accepts an invite on a studio server; None: no password
    # (a single-seat home trusts the OS account instead)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
