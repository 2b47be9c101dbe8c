"""The catalog: typed SQLAlchemy models, the engine, migrations and the unit of work.

The model modules do without `from __future__ import annotations` on purpose: with it, SQLAlchemy
compiles and evals every `Mapped[...]` string when the classes are made, a third of their import
time, which every command pays at start-up.

Models load when first named: `from core.catalog import Album` makes the album tables (and those
their foreign keys name, which each model module imports), not all of them, so a command pays
for the tables it uses. `all_models()` loads every one: for what compares the whole schema.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

# Where each name lives: the module that makes it.
_MODULE_OF = {
    "Album": "albums",
    "AppliedCommand": "sync",
    "AuditEvent": "audit",
    "Base": "base",
    "Delivery": "delivery",
    "Device": "staff",
    "DriveAlbum": "drive",
    "DriveConflict": "drive",
    "DriveFile": "drive",
    "Feedback": "feedback",
    "Final": "delivery",
    "IngestFailure": "albums",
    "JournalEntry": "journal",
    "JournalHead": "journal",
    "MailMessage": "mail",
    "MailStop": "mail",
    "OutboxCommand": "sync",
    "Photo": "albums",
    "PhotoVersion": "albums",
    "PinFailure": "portal_state",
    "PortalSecret": "portal_state",
    "PreviewBlob": "sync",
    "SentSelection": "feedback",
    "ShareLink": "feedback",
    "StaffInvite": "staff",
    "SyncMark": "sync",
    "Tenant": "tenancy",
    "User": "tenancy",
}

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


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def all_models() -> type[Base]:
    """Make every model, and hand back the declarative base whose metadata now holds them all."""
    for module in sorted(set(_MODULE_OF.values())):
        import_module(f"{__name__}.{module}")
    from core.catalog.base import Base

    return Base
