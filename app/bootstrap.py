"""The composition root: the one place that builds the database, the services and their wiring."""

from __future__ import annotations

import os
import weakref
from concurrent.futures import Executor
from pathlib import Path

from core.catalog.database import Database, sqlite_url
from core.errors import PhotoFlowError
from core.events import EventFeed
from core.home import Home
from core.journal import JournalFollower
from core.policies import Actor
from core.services import Paths, Services
from core.services.albums import AlbumService
from core.services.audit_log import AuditService
from core.services.client import ClientService
from core.services.context import CallObserver, ServiceContext
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
from core.services.sidecars import SidecarWriter
from core.services.staff import StaffService
from core.services.sync import SyncService
from core.services.tenants import StudioSettingsService, TenantService
from core.services.users import UserService

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
        follower = JournalFollower(db, ctx.events, catalog_file=home.catalog_path)
        await follower.start()
        ctx.follower = follower
    imports = ImportService(ctx, ImagingWorkers(home.logs / "decoders.log", executor))

    async def close() -> None:
        if follower is not None:
            await follower.stop()
        imports.close()
        await db.dispose()

    services = Services(
        events=EventFeed(ctx.events),
        paths=Paths(home.root, home.previews, home.library, home.logs),
        tenants=TenantService(ctx),
        users=UserService(ctx),
        settings=StudioSettingsService(ctx),
        albums=AlbumService(ctx),
        photos=PhotoService(ctx, sidecars=SidecarWriter(home.library)),
        imports=imports,
        audit=AuditService(ctx),
        journal=JournalService(ctx),
        links=LinkService(ctx),
        client=ClientService(ctx),
        staff=StaffService(ctx),
        sync=SyncService(ctx),
        replica=ReplicaService(ctx),
        delivery=DeliveryService(ctx, imports.pool),  # the import's imaging pool, shared
        replies=ReplyService(ctx),
        mail=MailService(ctx),
        drive=DriveStateService(ctx),
        shared_finals=SharedFinalsService(ctx),
        _close=close,
    )
    services.sync.attach(services)
    await services.replica.load()
    _contexts[services] = ctx
    return services


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
