"""The few reads that cross studios, each one narrow question.

On PostgreSQL a transaction sees only the studio it entered (core/catalog/rls.py), so these go
through SECURITY DEFINER functions of migration 0005, which only the app role may call; on SQLite
they are the same plain queries. Most answer "which studio is this in?": the caller then enters
that studio and reads what it needs like any other call.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.feedback import ShareLink
from core.catalog.rls import on_postgres
from core.catalog.tenancy import Tenant, User

SUPERADMIN = "superadmin"
_LINK_STUDIOS = text(
    "SELECT link, photoflow_tenant_of_link(link) FROM unnest(CAST(:ids AS uuid[])) AS link"
)
_HEADS = text("SELECT tenant_id, seq, compacted_to FROM photoflow_journal_heads()")


async def studio_of_user(session: AsyncSession, email: str) -> uuid.UUID | None:
    """Sign-in: the studio of the user with this (normalised) e-mail."""
    if on_postgres(session):
        return await session.scalar(select(func.photoflow_tenant_of_user(email)))
    return await session.scalar(select(User.tenant_id).where(User.email == email))


async def studio_of_user_id(session: AsyncSession, user_id: uuid.UUID) -> uuid.UUID | None:
    """A superadmin working in another studio: the studio their own account lives in."""
    if on_postgres(session):
        return await session.scalar(select(func.photoflow_tenant_of_user_id(user_id)))
    return await session.scalar(select(User.tenant_id).where(User.id == user_id))


async def studio_of_link(session: AsyncSession, link_id: uuid.UUID) -> uuid.UUID | None:
    """The portal: the studio of a link it knows by id."""
    if on_postgres(session):
        return await session.scalar(select(func.photoflow_tenant_of_link(link_id)))
    return await session.scalar(select(ShareLink.tenant_id).where(ShareLink.id == link_id))


async def studios_of_links(
    session: AsyncSession, link_ids: set[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The portal checking its open galleries: each known link's studio, in one query."""
    if on_postgres(session):
        rows = await session.execute(_LINK_STUDIOS, {"ids": list(link_ids)})
    else:
        rows = await session.execute(
            select(ShareLink.id, ShareLink.tenant_id).where(ShareLink.id.in_(link_ids))
        )
    return {link: studio for link, studio in rows if studio is not None}


async def studio_of_link_token(session: AsyncSession, token_hash: str) -> uuid.UUID | None:
    """The portal: the studio of the link a client's token opens (by the token's hash)."""
    if on_postgres(session):
        return await session.scalar(select(func.photoflow_tenant_of_link_token(token_hash)))
    return await session.scalar(
        select(ShareLink.tenant_id).where(ShareLink.token_hash == token_hash)
    )


async def studio_named(session: AsyncSession, name: str) -> uuid.UUID | None:
    """A studio's id by its name (a superadmin's switch; a clash of names)."""
    if on_postgres(session):
        return await session.scalar(select(func.photoflow_tenant_named(name)))
    return await session.scalar(select(Tenant.id).where(Tenant.name == name))


async def studio_ids(session: AsyncSession) -> list[uuid.UUID]:
    """Every studio's id, by name: the superadmin's list enters each one to read it."""
    if on_postgres(session):
        return list(await session.scalars(select(func.photoflow_studio_ids())))
    return list(await session.scalars(select(Tenant.id).order_by(Tenant.name)))


async def first_superadmin(session: AsyncSession) -> str | None:
    """The e-mail of the installation's first active superadmin (who a home acts as)."""
    if on_postgres(session):
        return await session.scalar(select(func.photoflow_first_superadmin()))
    return await session.scalar(
        select(User.email)
        .where(User.role == SUPERADMIN, User.active)
        .order_by(User.created_at)
        .limit(1)
    )


async def has_users(session: AsyncSession) -> bool:
    """Whether the installation is set up already."""
    if on_postgres(session):
        return bool(await session.scalar(select(func.photoflow_has_users())))
    return await session.scalar(select(User.id).limit(1)) is not None


async def journal_heads(session: AsyncSession) -> dict[uuid.UUID, tuple[int, int]]:
    """Every studio's newest journal number and how far it is compacted: a journal follower
    serving every studio reads these numbers only, and each studio's entries inside it."""
    if on_postgres(session):
        rows = await session.execute(_HEADS)
        return {uuid.UUID(str(t)): (int(s), int(c)) for t, s, c in rows}
    from core.catalog.journal import JournalHead  # the journal's tables: for its followers only

    rows = await session.execute(
        select(JournalHead.tenant_id, JournalHead.seq, JournalHead.compacted_to)
    )
    return {t: (s, c) for t, s, c in rows}
