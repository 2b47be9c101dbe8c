"""On PostgreSQL, one studio's e-mail is out of reach of another: its outbox and its reminder
stops are studio rows under row-level security, and the postman of one studio claims only its
own messages."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from app.bootstrap import close_services, open_services
from core.home import Home
from tests.conftest import server_database
from tests.integration.test_tenant_isolation import dsn, in_studio, two_studios
from tests.pgcluster import Cluster

pytestmark = pytest.mark.postgres


async def test_a_studios_mail_is_its_own(pg_cluster: Cluster, tmp_path: Path):
    url = server_database(pg_cluster)
    s = await open_services(Home(tmp_path / "home"), database_url=url, follow=False)
    try:
        lumen, other = await two_studios(s)
        for actor, who in ((lumen, "mia"), (other, "bo")):
            await s.settings.update(
                actor, smtp_host="127.0.0.1", smtp_port=9, smtp_from=f"hello@{who}.test",
                remind_days_before_expiry=3,
            )  # fmt: skip
            album = (await s.albums.list(actor))[0]
            link = await s.links.create(actor, album.id, expires_days=2)
            await s.mail.invite(actor, link.id, f"{who}@client.test", link.url)
            assert await s.mail.queue_reminders(actor.tenant_id) == 1
            assert await s.mail.queue_reminders(actor.tenant_id) == 0  # once
        claimed = await s.mail.claim(lumen.tenant_id)
        assert sorted(m.to for m in claimed) == ["mia@client.test", "mia@client.test"]
        assert {m.kind for m in claimed} == {"invite", "reminder"}
        assert await s.mail.claim(lumen.tenant_id) == []  # claimed already
        assert len(await s.mail.claim(other.tenant_id)) == 2
    finally:
        await close_services(s)
    conn = await asyncpg.connect(dsn(url))
    try:
        async with conn.transaction():
            await in_studio(conn, lumen.tenant_id)
            for table in ("mail_outbox", "mail_stops"):
                assert await conn.fetchval(f"SELECT count(*) FROM {table}") >= 1, table
                n = await conn.fetchval(
                    f"SELECT count(*) FROM {table} WHERE tenant_id = $1", other.tenant_id
                )
                assert n == 0, table
            assert (
                await conn.execute(
                    "UPDATE mail_outbox SET to_address = 'thief@x.test' WHERE tenant_id = $1",
                    other.tenant_id,
                )
                == "UPDATE 0"
            )
    finally:
        await conn.close()
