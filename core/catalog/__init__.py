"""The catalog: typed SQLAlchemy models, the engine, migrations and the unit of work."""

from core.catalog.albums import Album, IngestFailure, Photo, PhotoVersion
from core.catalog.audit import AuditEvent
from core.catalog.base import Base
from core.catalog.feedback import Feedback, SentSelection, ShareLink
from core.catalog.journal import JournalEntry, JournalHead
from core.catalog.tenancy import Tenant, User

__all__ = [
    "Album",
    "AuditEvent",
    "Base",
    "Feedback",
    "IngestFailure",
    "JournalEntry",
    "JournalHead",
    "Photo",
    "PhotoVersion",
    "SentSelection",
    "ShareLink",
    "Tenant",
    "User",
]
