"""The role matrix of PRODUCT.md."""

from __future__ import annotations

import uuid

import pytest

from core.errors import NotPermitted
from core.policies import Actor, Permission, Role, may, require

EXPECTED = {
    Permission.MANAGE_ALBUMS: {Role.PHOTOGRAPHER, Role.ADMIN, Role.SUPERADMIN},
    Permission.ADD_RETOUCHES: {Role.PHOTOGRAPHER, Role.EDITOR, Role.ADMIN, Role.SUPERADMIN},
    Permission.PUBLISH_LINKS: {Role.PHOTOGRAPHER, Role.ADMIN, Role.SUPERADMIN},
    Permission.REOPEN_AND_APPROVE: {Role.ADMIN, Role.SUPERADMIN},
    Permission.MANAGE_STUDIO: {Role.ADMIN, Role.SUPERADMIN},
    Permission.MANAGE_TENANTS: {Role.SUPERADMIN},
}


def actor(role: Role) -> Actor:
    return Actor(uuid.uuid4(), f"{role.value}@x.test", role, uuid.uuid4())


@pytest.mark.parametrize("permission", list(EXPECTED))
@pytest.mark.parametrize("role", list(Role))
def test_matrix(permission: Permission, role: Role) -> None:
    assert may(actor(role), permission) is (role in EXPECTED[permission])


def test_refusal_says_who_and_what() -> None:
    with pytest.raises(NotPermitted, match="editor may not create albums"):
        require(actor(Role.EDITOR), Permission.MANAGE_ALBUMS)
