"""Which studio a device token, an invite code or an e-mail belongs to: the reads that must cross
studios before anyone is known. On PostgreSQL with row-level security (rls's migration 0005) a
transaction sees one studio only, so the first two go through the SECURITY DEFINER functions of
migration 0006; the caller then enters that studio and reads normally. On SQLite they are plain
queries.
(core/catalog/lookups.py has the other cross-studio look-ups.)
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.staff import Device, StaffInvite


def _on_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def studio_of_device_token(session: AsyncSession, token_hash: str) -> uuid.UUID | None:
    """A request from a desktop: the studio of the device whose token has this hash."""
    if _on_postgres(session):
        return await session.scalar(select(func.photoflow_tenant_of_device_token(token_hash)))
    return await session.scalar(select(Device.tenant_id).where(Device.token_hash == token_hash))


async def studio_of_invite_code(session: AsyncSession, code_hash: str) -> uuid.UUID | None:
    """Accepting an invitation: the studio that made the invite with this code's hash."""
    if _on_postgres(session):
        return await session.scalar(select(func.photoflow_tenant_of_invite_code(code_hash)))
    return await session.scalar(
        select(StaffInvite.tenant_id).where(StaffInvite.code_hash == code_hash)
    )
