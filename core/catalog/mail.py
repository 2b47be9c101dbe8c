"""E-mail the studio sends: an outbox kept in the catalog (nothing is lost when the SMTP server
is down or the password is wrong), and the reminders a client asked not to get again."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import core.catalog.feedback  # noqa: F401  (its tables: this module's foreign keys name them)
from core.catalog.base import Base, TenantOwned


class MailMessage(Base, TenantOwned):
    """One message to one address. `key` makes a message once per studio, whichever process
    queues it first (a reminder, the photographer's notice of a journal entry); a sender claims
    a message (claimed_until) before it talks to the SMTP server."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key", name="uq_mail_outbox_tenant_key"),
        Index("ix_mail_outbox_due", "sent_at", "next_try_at"),
    )

    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # invite | submitted | reminder
    link_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("share_links.id", ondelete="CASCADE")
    )
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_try_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]


class MailStop(Base, TenantOwned):
    """One reminder's unsubscribe token (kept as its hash only) for a link and an address;
    when one is used, every row of that link and address is stopped."""

    __tablename__ = "mail_stops"
    __table_args__ = (Index("ix_mail_stops_link_address", "link_id", "address"),)

    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_links.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    stopped_at: Mapped[datetime | None]
