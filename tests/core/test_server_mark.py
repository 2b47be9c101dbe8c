"""A desktop connected to a studio server keeps every replayable call in its outbox, from the
first call after it starts: start-up reads the server mark (core/services/server_mark.py)."""

from __future__ import annotations

from pathlib import Path

from app.bootstrap import close_services, open_services
from core.home import Home


async def test_a_connected_desktop_keeps_its_commands_after_a_restart(tmp_path: Path) -> None:
    home = Home(tmp_path / "desk")
    services = await open_services(home, follow=False)
    try:
        await services.tenants.initialise("Lumen", "ana@lumen.test", "Ana")
        me = await services.users.actor_for("ana@lumen.test")
        await services.albums.create(me, "Before connecting")
        assert await services.replica.waiting() == []  # not connected: nothing kept
    finally:
        await close_services(services)

    fresh = Home(tmp_path / "joined")
    services = await open_services(fresh, follow=False)
    try:
        await services.tenants.initialise("Lumen", "ana@lumen.test", "Ana")
        await services.replica.connect("https://studio.lumen.test")
    finally:
        await close_services(services)
    services = await open_services(fresh, follow=False)  # a new start reads the mark
    try:
        me = await services.users.actor_for("ana@lumen.test")
        await services.albums.create(me, "Smith Wedding")
        assert [w.action for w in await services.replica.waiting()] == ["album.create"]
    finally:
        await close_services(services)
