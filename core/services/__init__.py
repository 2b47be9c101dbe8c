"""Core services: each call checks the policy, does the work, audits it, and commits.

`Services` is the one door edges (ui, portal, app) get into core: the services, a subscribe-only
feed of live events, and the home's named paths. The database stays behind the services.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.events import EventFeed
    from core.services.albums import AlbumService
    from core.services.audit_log import AuditService
    from core.services.client import ClientService
    from core.services.delivery import DeliveryService
    from core.services.drive_state import DriveStateService
    from core.services.imports import ImportService
    from core.services.journal import JournalService
    from core.services.links import LinkService
    from core.services.mail import MailService
    from core.services.photos import PhotoService
    from core.services.replica import ReplicaService
    from core.services.replies import ReplyService
    from core.services.shared_finals import SharedFinalsService
    from core.services.staff import StaffService
    from core.services.sync import SyncService
    from core.services.tenants import StudioSettingsService, TenantService
    from core.services.users import UserService


@dataclass(frozen=True)
class Paths:
    """The folders of a home that edges may read files from (never the catalog)."""

    root: Path
    previews: Path
    library: Path
    logs: Path


class Services:
    """Every service of one PhotoFlow home, built once by the composition root.

    A service is built when first used, from the factory the composition root hands over for it
    in `lazy` (or handed over already built, by name): a command loads the modules, and makes
    the objects, of the services it calls and no others. Each is built once.
    """

    events: EventFeed
    paths: Paths
    tenants: TenantService
    users: UserService
    settings: StudioSettingsService
    albums: AlbumService
    photos: PhotoService
    imports: ImportService
    audit: AuditService
    journal: JournalService
    # client portal (issue 5)
    links: LinkService
    client: ClientService
    # the studio server (issue 12): invitations, passwords, signed-in devices
    staff: StaffService
    # desktop sync (issue 12): the server's side, and a desktop's
    sync: SyncService
    replica: ReplicaService
    # delivery (issue 14): export presets, finals, the delivery job
    delivery: DeliveryService
    # delivery (issue 14): the studio's replies to clients, and its e-mail
    replies: ReplyService
    mail: MailService
    # Google Drive sync (issue 13): what each album's sync remembers
    drive: DriveStateService
    # the studio server's finals (issue 14): finals made on a desktop, sent to the server
    shared_finals: SharedFinalsService

    def __init__(
        self,
        *,
        events: EventFeed,
        paths: Paths,
        lazy: Mapping[str, Callable[[], Any]] | None = None,
        _close: Callable[[], Awaitable[None]] | None = None,
        **built: Any,
    ) -> None:
        lazy = dict(lazy or {})
        names = service_names()
        unknown = (lazy.keys() | built.keys()) - names
        missing = names - lazy.keys() - built.keys()
        if unknown or missing:
            raise TypeError(f"Services: unknown {sorted(unknown)}, missing {sorted(missing)}")
        self.events = events
        self.paths = paths
        self._lazy = lazy
        self._close = _close
        for name, service in built.items():
            setattr(self, name, service)

    def __getattr__(self, name: str) -> Any:
        """A service not built yet (Python asks only for attributes the object lacks)."""
        factory = self.__dict__.get("_lazy", {}).pop(name, None)
        if factory is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        service = factory()
        setattr(self, name, service)
        return service

    def built(self, name: str) -> Any | None:
        """The service `name` if something has used it, else None (without building it)."""
        return self.__dict__.get(name)

    async def close(self) -> None:
        """Stop following the journal and close the catalog (the composition root calls it)."""
        if self._close is not None:
            await self._close()


def service_names() -> frozenset[str]:
    """The services a `Services` holds: its annotated attributes, but for the feed and paths."""
    return frozenset(Services.__annotations__) - {"events", "paths"}


__all__ = ["Paths", "Services"]
