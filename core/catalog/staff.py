"""Staff who sign in to a studio server: invitations with a one-time code, and signed-in devices.

Neither the code nor a device token is stored: only their SHA-256, so a copy of the database lets
nobody in. Passwords are kept as argon2 hashes on the user row (users.password_hash).
"""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

import core.catalog.tenancy  # noqa: F401  (its tables: this module's foreign keys name them)
from core.catalog.base import Base, TenantOwned


class StaffInvite(Base, TenantOwned):
    """An admin invited someone (or asked an existing user to set a password) with a code."""

    __tablename__ = "staff_invites"

    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]


class Device(Base, TenantOwned):
    """A desktop that signed in: it holds a token whose hash is here, until it is revoked."""

    __tablename__ = "devices"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
