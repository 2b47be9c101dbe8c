"""The composition root: the one place that builds the database, the services and their wiring."""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path

from core.catalog.database import Database, sqlite_url
from core.home import Home
from core.services import Services
from core.services.albums import AlbumService
from core.services.audit_log import AuditService
from core.services.client import ClientService
from core.services.context import ServiceContext
from core.services.imports import ImportService
from core.services.links import LinkService
from core.services.photos import PhotoService
from core.services.sidecars import SidecarWriter
from core.services.tenants import StudioSettingsService, TenantService
from core.services.users import UserService


async def open_services(
    home: Home, *, database_url: str | None = None, executor: Executor | None = None
) -> Services:
    """Open (and migrate) the home's catalog and build every service on it."""
    home.ensure()
    db = Database(database_url or sqlite_url(home.catalog_path))
    await db.migrate()
    ctx = ServiceContext(db, home)
    return Services(
        ctx=ctx,
        tenants=TenantService(ctx),
        users=UserService(ctx),
        settings=StudioSettingsService(ctx),
        albums=AlbumService(ctx),
        photos=PhotoService(ctx, sidecars=SidecarWriter(home.library)),
        imports=ImportService(ctx, executor),
        audit=AuditService(ctx),
        links=LinkService(ctx),
        client=ClientService(ctx),
    )


async def close_services(services: Services) -> None:
    services.imports.close()
    await services.ctx.db.dispose()


def home_at(path: str | Path | None) -> Home:
    from core.home import default_home_root

    return Home(Path(path).expanduser() if path else default_home_root())
