"""The composition root: the one place that builds the database, the services and their wiring."""

from __future__ import annotations

import importlib
import os
import weakref
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.catalog.database import Database, sqlite_url
from core.errors import PhotoFlowError
from core.events import EventFeed
from core.home import Home
from core.services import Paths, Services
from core.services.context import CallObserver, ServiceContext
from core.services.server_mark import load_server_mark

if TYPE_CHECKING:
    from core.journal.follower import JournalFollower
    from core.policies import Actor

# The context behind each open Services, for the few that must reach the catalog itself: tests,
# benchmarks, and close_services. Edges never do (tests/test_one_door.py keeps it so).
_contexts: weakref.WeakKeyDictionary[Services, ServiceContext] = weakref.WeakKeyDictionary()


async def open_services(
    home: Home,
    *,
    database_url: str | None = None,
    executor: Executor | None = None,
    follow: bool = True,
    listen_url: str | None = None,
    pool_size: int | None = None,
    on_call: CallObserver | None = None,
) -> Services:
    """Open (and migrate) the home's catalog and build every service on it.

    `follow`: follow the change journal, so that this process's subscribers hear every change,
    whichever process made it. A one-shot command that subscribes to nothing leaves it off.
    `listen_url` (else PHOTOFLOW_LISTEN_URL): when the database URL is a transaction-mode
    pooler's (pgbouncer), PostgreSQL's own address, for the journal's LISTEN connection.
    `pool_size`: at most this many connections to PostgreSQL (else 10, and 10 more at a peak).
    `on_call`: told of every service call's action, outcome and duration (the server's metrics).
    """
    home.ensure()
    db = Database(
        database_url or shared_catalog_url() or sqlite_url(home.catalog_path),
        listen_url=listen_url or direct_listen_url(),
        **({"pool_size": pool_size, "max_overflow": 0} if pool_size else {}),
    )
    try:
        await db.migrate()
    except BaseException:  # e.g. a studio database behind on migrations: close what we opened
        await db.dispose()
        raise
    ctx = ServiceContext(db, home)
    if on_call is not None:
        ctx.on_call.append(on_call)
    follower: JournalFollower | None = None
    if follow:
        from core.journal.follower import JournalFollower

        follower = JournalFollower(db, ctx.events, catalog_file=home.catalog_path)
        await follower.start()
        ctx.follower = follower
    workers = ImagingWorkers(home.logs / "decoders.log", executor)

    async def close() -> None:
        if follower is not None:
            await follower.stop()
        workers.close()
        await db.dispose()

    services = Services(
        events=EventFeed(ctx.events),
        paths=Paths(home.root, home.previews, home.library, home.logs),
        lazy=_service_factories(ctx, home, workers, lambda: services),
        _close=close,
    )
    await load_server_mark(ctx)  # what services.replica.load() does, without loading the replica
    _contexts[services] = ctx
    return services


def _service_factories(
    ctx: ServiceContext, home: Home, workers: ImagingWorkers, services: Callable[[], Services]
) -> dict[str, Callable[[], Any]]:
    """How to build each service, on its first use: a service's module is imported then, so a
    command loads only the services it calls (`album show` leaves out imports, delivery, mail,
    the portal's services...)."""

    def photos() -> Any:
        from core.services.photos import PhotoService
        from core.services.sidecars import SidecarWriter

        return PhotoService(ctx, sidecars=SidecarWriter(home.library))

    def imports() -> Any:
        from core.services.imports import ImportService

        return ImportService(ctx, workers)

    def sync() -> Any:
        from core.services.sync import SyncService

        service = SyncService(ctx)
        service.attach(services())
        return service

    def delivery() -> Any:
        from core.services.delivery import DeliveryService

        return DeliveryService(ctx, workers)  # the import's imaging pool, shared

    def plain(module: str, name: str) -> Callable[[], Any]:
        return lambda: getattr(importlib.import_module(module), name)(ctx)

    made_alike = {service: plain(*where) for service, where in _TAKE_THE_CONTEXT.items()}
    return {**made_alike, "photos": photos, "imports": imports, "sync": sync, "delivery": delivery}


# The services built from the catalog's context alone: (module, class).
_TAKE_THE_CONTEXT = {
    "tenants": ("core.services.tenants", "TenantService"),
    "users": ("core.services.users", "UserService"),
    "settings": ("core.services.tenants", "StudioSettingsService"),
    "albums": ("core.services.albums", "AlbumService"),
    "audit": ("core.services.audit_log", "AuditService"),
    "journal": ("core.services.journal", "JournalService"),
    "links": ("core.services.links", "LinkService"),
    "client": ("core.services.client", "ClientService"),
    "staff": ("core.services.staff", "StaffService"),
    "replica": ("core.services.replica", "ReplicaService"),
    "replies": ("core.services.replies", "ReplyService"),
    "mail": ("core.services.mail", "MailService"),
    "drive": ("core.services.drive_state", "DriveStateService"),
    "shared_finals": ("core.services.shared_finals", "SharedFinalsService"),
}


async def close_services(services: Services) -> None:
    await services.close()


def context_of(services: Services) -> ServiceContext:
    """The catalog behind `services`: for tests and benchmarks that check or seed it directly."""
    return _contexts[services]


class ImagingWorkers:
    """The imaging process pool, built here and started on first use; one the caller passes in
    (tests share one, the self-check uses threads) is used as it is and left for it to close."""

    def __init__(self, chatter_log: Path, executor: Executor | None = None) -> None:
        self.chatter_log = chatter_log
        self._executor = executor
        self._owned = executor is None
        self.workers = os.cpu_count() or 2

    def executor(self) -> Executor:
        if self._executor is None:
            from core.imaging.analyse import imaging_pool

            self._executor = imaging_pool(self.workers, chatter_log=self.chatter_log)
        return self._executor

    def close(self) -> None:
        if self._owned and self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


async def acting_user(
    services: Services, home: Home, email: str | None, studio: str | None = None
) -> Actor:
    """Who works in this process: --as, else PHOTOFLOW_USER, else the home's default user, else
    the installation's first admin. The same answer for the desktop, the command line and the
    standalone portal."""
    email = (
        email
        or os.environ.get("PHOTOFLOW_USER")
        or home.read_config().get("default_user")
        or await services.users.installation_admin()
    )
    if not email:
        raise PhotoFlowError(
            f"{home.root} has no studio yet; run: photoflow init --studio NAME --admin EMAIL"
        )
    return await services.users.actor_for(email, studio=studio)


def shared_catalog_url() -> str | None:
    """PHOTOFLOW_DATABASE_URL: a studio's PostgreSQL catalog instead of the home's SQLite file."""
    return os.environ.get("PHOTOFLOW_DATABASE_URL") or None


def direct_listen_url() -> str | None:
    """PHOTOFLOW_LISTEN_URL: PostgreSQL itself, past the pooler the database URL goes through."""
    return os.environ.get("PHOTOFLOW_LISTEN_URL") or None


def home_at(path: str | Path | None) -> Home:
    from core.home import default_home_root

    return Home(Path(path).expanduser() if path else default_home_root())
