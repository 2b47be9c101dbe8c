"""A desktop that has worked alone joins a studio server only with an empty catalog: one holding
albums of its own is told why in plain words, and nothing of it changes or travels."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bootstrap import close_services, open_services
from core.errors import Invalid
from core.home import Home
from sync.client.client import SyncClient
from tests.sync.harness import device_token


async def test_a_catalog_with_albums_of_its_own_is_not_merged_into_the_studio(
    server, tmp_path: Path
) -> None:
    services = await open_services(Home(tmp_path / "alone"))
    try:
        await services.tenants.initialise("Pia Alone", "pia@lumen.test", "Pia")
        me = await services.users.actor_for("pia@lumen.test")
        await services.albums.create(me, "Beach Engagement")
        client = SyncClient(server.url, await device_token(server.url, "pia@lumen.test"), services)
        with pytest.raises(Invalid) as refused:
            await client.connect()
        assert "already holds 1 album made on this computer alone" in str(refused.value)
        assert "Nothing was changed" in str(refused.value)
        await services.albums.rename(me, "Beach Engagement", "Beach Engagement 2026")
        assert await services.replica.waiting() == []  # nothing is kept for the server
        assert (await services.replica.status()).server_url is None
        [album] = await services.albums.list(me)
        assert album.name == "Beach Engagement 2026"
        await client.close()
    finally:
        await close_services(services)
    owner = await server.services.users.actor_for("owner@lumen.test")
    assert await server.services.albums.list(owner) == []
