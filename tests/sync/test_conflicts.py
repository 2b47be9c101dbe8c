"""A command the server refuses comes back as a conflict the user reads, never a silent loss,
and the desktop's copy is put right."""

from __future__ import annotations

import asyncio

import aiohttp

from core.services import contact_sheets
from core.workflow import Stage
from tests.integration.cli import photoflow
from tests.sync.catalogs import catalog, shoot
from tests.sync.harness import device_token


async def test_a_selection_after_anas_stage_move_is_a_conflict_in_plain_words(
    server, desktops, photos_dir, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(contact_sheets, "KEEP_FROM", 1)  # her grid keeps the album's rows
    pia = await desktops("pia", "pia@lumen.test")
    ana = await desktops("ana", "ana@lumen.test")
    me = await pia.actor()
    album = await pia.services.albums.create(me, "Smith Wedding")
    await pia.services.imports.run(me, album.id, [shoot(photos_dir, tmp_path / "card")])
    first, second, *_ = await pia.services.photos.list(me, album.id, order="name")
    await pia.services.albums.advance(me, album.id, Stage.RATE)
    await pia.services.photos.select(me, album.id, str(first.id))
    await pia.client.sync_once()
    await ana.client.sync_once()

    she = await ana.actor()
    await ana.services.albums.advance(she, album.id, Stage.RETOUCH)
    await ana.client.sync_once()
    # Pia has not pulled yet: her album is still in Rate, so her desktop lets her select.
    await pia.services.photos.select(me, album.id, str(second.id))
    await pia.services.photos.listing(me, album.id, keep=True)  # her grid is open on it
    assert await pia.client.sync_once() == 1

    status = await pia.services.replica.status()
    [conflict] = status.conflicts
    assert conflict.message.startswith(
        "Ana moved Smith Wedding to Retouch just now; your selection change was not applied"
    ), conflict.message
    assert status.waiting == 0
    # Her catalog is the server's again: in Retouch, the second photo not selected.
    assert await catalog(pia.services, me) == await catalog(ana.services, she)
    summary = await pia.services.albums.show(me, album.id)
    assert summary.stage is Stage.RETOUCH and summary.selected_count == 1
    # Put right with no journal entry of its own: her grid's kept rows are not reused.
    assert await pia.services.photos.kept_listing(me, album.id) is None
    assert pia.client.state.conflicts == 1

    # The command line shows the same, from the desktop's home.
    shown = await asyncio.to_thread(
        photoflow, tmp_path / "pia", "sync", "status", "--json", as_user="pia@lumen.test"
    )
    assert shown.code == 0, shown.err
    assert shown.json["waiting"] == 0 and shown.json["server"] == server.url
    assert [c["message"] for c in shown.json["conflicts"]] == [conflict.message]
    text = await asyncio.to_thread(
        photoflow, tmp_path / "pia", "sync", "status", as_user="pia@lumen.test"
    )
    assert "Changes waiting: 0" in text.out and "Ana moved Smith Wedding" in text.out
    assert await pia.services.replica.dismiss_conflicts() == 1


async def test_an_editor_cannot_cull_through_sync_whatever_the_desktop_sends(
    server, desktops, photos_dir, tmp_path
) -> None:
    pia = await desktops("pia", "pia@lumen.test")
    me = await pia.actor()
    album = await pia.services.albums.create(me, "Park Elopement")
    await pia.services.imports.run(me, album.id, [shoot(photos_dir, tmp_path / "card")])
    await pia.client.sync_once()
    [photo, *_] = await pia.services.photos.list(me, album.id)
    await pia.services.photos.rate(me, album.id, str(photo.id), 5)
    [command] = await pia.services.replica.waiting()
    seen = await pia.services.replica.pulled_seq()
    body = {
        "seen": seen,
        "commands": [{"key": command.key, "action": command.action, "args": command.args}],
    }
    async with (
        aiohttp.ClientSession(headers=await _bearer(server, "ed@lumen.test")) as http,
        http.post(server.url + "/api/v1/commands", json=body) as response,
    ):
        [answer] = (await response.json())["answers"]
    assert answer["outcome"] == "denied"
    assert answer["message"].startswith("Your star rating was not applied: ")
    owner = await server.services.users.actor_for("owner@lumen.test")
    [row] = [r for r in await server.services.photos.list(owner, album.id) if r.id == photo.id]
    assert row.stars == 0


async def test_bad_requests_get_a_sentence_not_a_trace(server) -> None:
    headers = await _bearer(server, "pia@lumen.test")
    async with aiohttp.ClientSession(headers=headers) as http:
        for method, path, kw in [
            ("POST", "/api/v1/commands", {"data": b"not json"}),
            ("POST", "/api/v1/commands", {"json": {"commands": [{"key": 1}]}}),
            ("GET", "/api/v1/changes?after=-1", {}),
            ("GET", "/api/v1/changes?after=x", {}),
            ("PUT", "/api/v1/previews/zz?size=512", {"data": b"\xff\xd8"}),
            ("PUT", "/api/v1/previews/" + "ab" * 32 + "?size=512", {"data": b"png"}),
        ]:
            async with http.request(method, server.url + path, **kw) as response:
                body = await response.json()
                assert response.status == 400, (path, body)
                assert body["error"].endswith(".") and "Traceback" not in body["error"]
        async with http.post(
            server.url + "/api/v1/commands",
            json={"commands": [{"key": "k", "action": "album.explode", "args": {}}]},
        ) as response:
            [answer] = (await response.json())["answers"]
            assert answer["outcome"] == "invalid"
    async with (
        aiohttp.ClientSession() as http,
        http.get(server.url + "/api/v1/changes") as response,
    ):
        assert response.status == 401


async def _bearer(server, email: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {await device_token(server.url, email)}"}
