"""What every process serving the portal must agree on, kept in the catalog: wrong PINs (counted
per link and per client address, so a fleet of portals counts them together and a restart does
not forgive them) and the portal's session signing key."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.catalog.base import Base, utcnow


class PinFailure(Base):
    """One wrong PIN against one key ("link:<id>" or "addr:<address>"), or one being checked.

    Not a studio's row: an address guessing at several studios' links is counted once. Rows older
    than the lockout window mean nothing and are removed as the limiter passes by."""

    __tablename__ = "pin_failures"
    __table_args__ = (
        Index("ix_pin_failures_key_at", "key", "at"),
        Index("ix_pin_failures_at", "at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PortalSecret(Base):
    """A key every portal process of the installation shares (the session cookies' signing key),
    made once by whichever process needs it first."""

    __tablename__ = "portal_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
