"""Who may do what: the role matrix of PRODUCT.md, checked by every service before it acts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from core.errors import NotPermitted


class Role(StrEnum):
    PHOTOGRAPHER = "photographer"
    EDITOR = "editor"
    ADMIN = "admin"
    SUPERADMIN = "superadmin"

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise ValueError(f"unknown role {text!r}; roles are {names}") from None


class Permission(StrEnum):
    VIEW_ALBUMS = "view albums"
    MANAGE_ALBUMS = "create albums, ingest, cull and advance them"
    ADD_RETOUCHES = "add retouched versions and answer change requests"
    PUBLISH_LINKS = "publish or revoke client links"
    REOPEN_AND_APPROVE = "reopen albums and approve on a client's behalf"
    MANAGE_STUDIO = "change studio settings, users and roles"
    VIEW_AUDIT = "read the audit log"
    MANAGE_TENANTS = "create and suspend studios"


_ALL_STUDIO = {Role.PHOTOGRAPHER, Role.EDITOR, Role.ADMIN, Role.SUPERADMIN}
_ADMINS = {Role.ADMIN, Role.SUPERADMIN}

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_ALBUMS: frozenset(_ALL_STUDIO),
    Permission.MANAGE_ALBUMS: frozenset({Role.PHOTOGRAPHER, *_ADMINS}),
    Permission.ADD_RETOUCHES: frozenset(_ALL_STUDIO),
    Permission.PUBLISH_LINKS: frozenset({Role.PHOTOGRAPHER, *_ADMINS}),
    Permission.REOPEN_AND_APPROVE: frozenset(_ADMINS),
    Permission.MANAGE_STUDIO: frozenset(_ADMINS),
    Permission.VIEW_AUDIT: frozenset(_ADMINS),
    Permission.MANAGE_TENANTS: frozenset({Role.SUPERADMIN}),
}


@dataclass(frozen=True)
class Actor:
    """Who is asking: a studio user, working in one tenant (a superadmin may pick another)."""

    user_id: UUID
    email: str
    role: Role
    tenant_id: UUID
    name: str = ""

    @property
    def label(self) -> str:
        return self.email

    @property
    def is_admin(self) -> bool:
        return self.role in _ADMINS


@dataclass(frozen=True)
class Guest:
    """A client without an account, acting through one share link of one album."""

    tenant_id: UUID
    album_id: UUID
    link_id: UUID
    name: str

    @property
    def label(self) -> str:
        return f"guest {self.name!r} via link {str(self.link_id)[:8]}"


def may(actor: Actor, permission: Permission) -> bool:
    return actor.role in MATRIX[permission]


def require(actor: Actor, permission: Permission) -> None:
    if not may(actor, permission):
        article = "An" if actor.role.value[0] in "aeiou" else "A"
        raise NotPermitted(
            f"{article} {actor.role.value} may not {permission.value}; ask a studio admin."
        )
