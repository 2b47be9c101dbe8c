"""The catalog: typed SQLAlchemy models, the engine, migrations and the unit of work.

The model modules do without `from __future__ import annotations` on purpose: with it, SQLAlchemy
compiles and evals every `Mapped[...]` string when the classes are made, a third of their import
time, which every command pays at start-up.
"""

from core.catalog.albums import Album, IngestFailure, Photo, PhotoVersion
from core.catalog.audit import AuditEvent
from core.catalog.base import Base
from core.catalog.delivery import Delivery, Final
from core.catalog.drive import DriveAlbum, DriveConflict, DriveFile
from core.catalog.feedback import Feedback, SentSelection, ShareLink
from core.catalog.journal import JournalEntry, JournalHead
from core.catalog.mail import MailMessage, MailStop
from core.catalog.portal_state import PinFailure, PortalSecret
from core.catalog.staff import Device, StaffInvite
from core.catalog.sync import AppliedCommand, OutboxCommand, PreviewBlob, SyncMark
from core.catalog.tenancy import Tenant, User

__all__ = [
    "Album",
    "AppliedCommand",
    "AuditEvent",
    "Base",
    "Delivery",
    "Device",
    "DriveAlbum",
    "DriveConflict",
    "DriveFile",
    "Feedback",
    "Final",
    "IngestFailure",
    "JournalEntry",
    "JournalHead",
    "MailMessage",
    "MailStop",
    "OutboxCommand",
    "Photo",
    "PhotoVersion",
    "PinFailure",
    "PortalSecret",
    "PreviewBlob",
    "SentSelection",
    "ShareLink",
    "StaffInvite",
    "SyncMark",
    "Tenant",
    "User",
]
