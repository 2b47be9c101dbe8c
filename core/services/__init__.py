"""Core services: each call checks the policy, does the work, audits it, and commits."""

from __future__ import annotations

from dataclasses import dataclass

from core.services.albums import AlbumService
from core.services.audit_log import AuditService
from core.services.client import ClientService
from core.services.context import ServiceContext
from core.services.imports import ImportService
from core.services.links import LinkService
from core.services.photos import PhotoService
from core.services.tenants import StudioSettingsService, TenantService
from core.services.users import UserService


@dataclass
class Services:
    """Every service of one PhotoFlow home, built once by the composition root."""

    ctx: ServiceContext
    tenants: TenantService
    users: UserService
    settings: StudioSettingsService
    albums: AlbumService
    photos: PhotoService
    imports: ImportService
    audit: AuditService
    # client portal (issue 5)
    links: LinkService
    client: ClientService


__all__ = ["ServiceContext", "Services"]
