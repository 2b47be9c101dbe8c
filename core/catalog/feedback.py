"""Share links that clients open without an account, and what clients say through them."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

import core.catalog.albums  # noqa: F401  (its tables: this module's foreign keys name them)
from core.catalog.base import Base, TenantOwned


class ShareLink(Base, TenantOwned):
    """A published link. The catalog finds it by its token's hash; the token itself is kept only
    sealed with the publishing home's key (core.services.link_seal), which the portal never has."""

    __tablename__ = "share_links"

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_sealed: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    max_select: Mapped[int | None]
    allow_download: Mapped[bool] = mapped_column(default=False)
    show_filenames: Mapped[bool] = mapped_column(default=False)
    watermark: Mapped[bool] = mapped_column(default=False)
    guest_name: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[datetime | None]
    # Gallery downloads (in Final, where allow_download): "web" or "full" size finals, and an
    # optional PIN asked before the first download (a salted scrypt hash, like pin_hash).
    download_size: Mapped[str] = mapped_column(String(8), default="full", server_default="full")
    download_pin_hash: Mapped[str | None] = mapped_column(String(200))


class SentSelection(Base, TenantOwned):
    """A guest sent their picks through a link. Until the studio reopens it (reopened_at), that
    guest's picks stay as sent; other guests of the same link go on choosing."""

    __tablename__ = "sent_selections"
    __table_args__ = (Index("ix_sent_selections_link_guest", "link_id", "guest_name"),)

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_links.id", ondelete="CASCADE"))
    guest_name: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[datetime]
    picks: Mapped[int]
    reopened_at: Mapped[datetime | None]


class Feedback(Base, TenantOwned):
    """One thing a client (or an admin on their behalf) said about a photo.

    kind: pick | stars | comment | approval | change_request | reply (the studio's answer to a
    comment or change request). A newer pick, stars value or decision
    retracts the older one (retracted_at); a change request stays open until a retouched version of a
    later round answers it (resolved_at).
    """

    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_album_kind", "album_id", "kind", "retracted_at"),
        Index("ix_feedback_photo", "photo_id", "kind"),
    )

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    photo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    link_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("share_links.id"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    guest_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(default=0)
    stars: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(Text)
    retracted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    # A studio's reply (kind "reply") names the comment or change request it answers.
    reply_to: Mapped[uuid.UUID | None]
