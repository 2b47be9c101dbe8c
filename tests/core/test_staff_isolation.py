"""On PostgreSQL the staff tables are studio tables like the others: row-level security enabled
and forced, and a role that owns nothing finds a device or an invite only through the narrow
look-ups, which answer "which studio?" and nothing more."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg
import pytest

from app.bootstrap import close_services, open_services
from core.home import Home
from core.services.staff import digest
from tests.pgcluster import Cluster

pytestmark = pytest.mark.postgres

PASSWORD = "a long enough password"


async def test_staff_tables_are_protected_and_found_only_through_lookups(
    tmp_path: Path, pg_cluster: Cluster
) -> None:
    url = pg_cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")
    s = await open_services(Home(tmp_path / "home"), database_url=url, follow=False)
    try:
        await s.tenants.initialise("Lumen", "owner@lumen.test")
        owner = await s.users.actor_for("owner@lumen.test")
        invitation = await s.staff.invite(owner, "pia@lumen.test", "photographer")
        await s.staff.accept(invitation.code, PASSWORD)
        signed = await s.staff.sign_in("pia@lumen.test", PASSWORD, "laptop")
    finally:
        await close_services(s)

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(dsn)
    try:
        flags = await admin.fetch(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relname IN ('devices', 'staff_invites') ORDER BY relname"
        )
        assert [tuple(r) for r in flags] == [("devices", True, True), ("staff_invites", True, True)]
        role = f"app_{uuid.uuid4().hex[:8]}"
        await admin.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS")
        await admin.execute(f"GRANT SELECT ON devices, staff_invites TO {role}")
        await admin.execute(
            f"GRANT EXECUTE ON FUNCTION photoflow_tenant_of_device_token(text), "
            f"photoflow_tenant_of_invite_code(text) TO {role}"
        )
        app = await asyncpg.connect(dsn.replace("photoflow@", f"{role}@"))
        try:
            assert await app.fetchval("SELECT count(*) FROM devices") == 0  # no studio: no row
            studio = await app.fetchval(
                "SELECT photoflow_tenant_of_device_token($1)", digest(signed.token)
            )
            assert studio == owner.tenant_id
            assert await app.fetchval("SELECT photoflow_tenant_of_device_token('x')") is None
            async with app.transaction():
                await app.execute("SELECT set_config('photoflow.tenant', $1, true)", str(studio))
                assert await app.fetchval("SELECT count(*) FROM devices") == 1
                assert await app.fetchval("SELECT count(*) FROM staff_invites") == 1
            async with app.transaction():
                await app.execute(
                    "SELECT set_config('photoflow.tenant', $1, true)", str(uuid.uuid4())
                )
                assert await app.fetchval("SELECT count(*) FROM devices") == 0
        finally:
            await app.close()
    finally:
        await admin.close()
