"""`photoflow server`: a real process on a real PostgreSQL, spoken to over real HTTP. Staff are
invited, accept with a code, sign in from a device and are known by its token alone; an admin
revokes a device and its token is refused at once; /metrics shows what happened; SIGTERM closes
open galleries and ends the process with 0 within seconds."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import server_database
from tests.integration.cli import env_for, photoflow
from tests.pgcluster import Cluster
from tests.portal.conftest import Visitor
from tests.portal.test_standalone import free_port

pytestmark = pytest.mark.postgres

PASSWORD = "a long enough password"


def pf(home: Path, url: str, *args: str, as_user: str | None = None) -> Any:
    r = photoflow(home, *args, "--json", database_url=url, as_user=as_user)
    assert r.code == 0, (args, r.out, r.err)
    return r.json


def start_server(home: Path, url: str, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.main", "server", "--db", url, "--port", str(port)],
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


class Desk:
    """One desktop's HTTP client: its device token, if signed in, goes with every request."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base, self.token = http, base + "/api/v1", ""

    async def call(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.http.request(method, self.base + path, json=body, headers=headers) as r:
            assert r.content_type == "application/json", (path, r.content_type)
            return r.status, await r.json()

    async def join(self, code: str, email: str, device: str) -> dict[str, Any]:
        status, who = await self.call(
            "POST", "/invites/accept", {"code": code, "password": PASSWORD}
        )
        assert status == 200, who
        status, signed = await self.call(
            "POST", "/sign-in", {"email": email, "password": PASSWORD, "device": device}
        )
        assert status == 200, signed
        self.token = signed["token"]
        return signed


async def test_staff_sign_in_devices_metrics_and_sigterm(
    tmp_path: Path, pg_cluster: Cluster
) -> None:
    url = server_database(pg_cluster)
    desk_home = tmp_path / "desk"
    pf(desk_home, url, "init", "--studio", "Lumen", "--admin", "owner@lumen.test")
    pf(desk_home, url, "album", "create", "Wedding")
    link = pf(desk_home, url, "link", "create", "Wedding", "--guest", "Ann")
    owner_code = pf(desk_home, url, "user", "invite", "owner@lumen.test")["code"]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(tmp_path / "server", url, port)
    http = aiohttp.ClientSession()
    visitor = Visitor(base)
    try:
        line = await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
        assert f"studio server on {base}/" in line, (line, proc.stderr and proc.stderr.read())

        owner = Desk(http, base)
        signed = await owner.join(owner_code, "owner@lumen.test", "Owner's desk")
        assert (signed["email"], signed["role"]) == ("owner@lumen.test", "superadmin")
        status, invite = await owner.call(
            "POST", "/invites", {"email": "pia@lumen.test", "role": "photographer"}
        )
        assert status == 201, invite

        pia = Desk(http, base)
        await pia.join(invite["code"], "pia@lumen.test", "Pia's laptop")
        assert (await pia.call("GET", "/me"))[1]["role"] == "photographer"
        # The code worked once; a photographer's token cannot do an admin's things.
        status, body = await pia.call(
            "POST", "/invites/accept", {"code": invite["code"], "password": PASSWORD}
        )
        assert status == 401 and "used already" in body["error"]
        status, body = await pia.call("GET", "/devices")
        assert status == 403 and body["error"].endswith(".")
        status, _ = await pia.call("POST", "/invites", {"email": "x@lumen.test", "role": "admin"})
        assert status == 403

        status, devices = await owner.call("GET", "/devices")
        assert status == 200
        assert sorted(d["name"] for d in devices) == ["Owner's desk", "Pia's laptop"]
        pias = next(d for d in devices if d["email"] == "pia@lumen.test")
        status, revoked = await owner.call("POST", f"/devices/{pias['id']}/revoke")
        assert status == 200 and revoked["revoked_at"]
        status, body = await pia.call("GET", "/me")
        assert status == 401 and body == {
            "error": "This device was signed out by an admin; sign in again."
        }
        status, body = await Desk(http, base).call("GET", "/me")
        assert status == 401 and "no device token" in body["error"]
        wrong = await owner.call(
            "POST", "/sign-in", {"email": "owner@lumen.test", "password": "nope", "device": "x"}
        )
        assert wrong == (401, {"error": "That e-mail and password do not match."})
        assert (await owner.call("POST", "/sign-in", [1, 2]))[0] == 400
        # Desktops may send big bodies (previews, command batches); the portal's pages may not.
        big = {"email": "x@lumen.test", "password": "x", "device": "x", "pad": "x" * 300_000}
        assert (await owner.call("POST", "/sign-in", big))[0] == 401
        # Guessing passwords from one address, whatever the e-mail, is stopped for a while.
        for n in range(20):
            guess = {"email": f"guess{n}@lumen.test", "password": "guess", "device": "x"}
            async with http.post(base + "/api/v1/sign-in", json=guess) as r:
                answer = r.status, r.headers.get("Retry-After"), await r.json()
            if answer[0] != 401:
                break
        assert answer[0] == 429 and int(answer[1] or 0) > 60
        assert answer[2] == {"error": "Too many wrong tries. Try again later."}
        assert n == 8  # two wrong tries before (the owner, the big body): ten in all

        async with http.get(base + "/metrics") as r:
            assert r.status == 200 and r.content_type == "text/plain"
            metrics = await r.text()
        assert (
            'photoflow_http_request_seconds_count{method="POST",route="/api/v1/sign-in",'
            'status="200"} 2.0' in metrics
        )
        assert 'route="/api/v1/devices/{device_id}/revoke"' in metrics
        assert 'photoflow_service_call_seconds_count{action="device.revoke",outcome="ok"} 1.0' in (
            metrics
        )
        assert 'action="device.sign_in",outcome="denied"' in metrics
        assert (
            "photoflow_sync_queue_commands" in metrics and "photoflow_live_connections" in metrics
        )
        assert signed["token"] not in metrics and pias["id"] not in metrics

        # The client portal is served by the same process; its gallery's live socket is open.
        await visitor.enter("/g/" + link["url"].rsplit("/g/", 1)[1])
        assert (await visitor.api("/api/submit", {"pad": "x" * 300_000})).status == 413
        ws = await visitor.http.ws_connect(base.replace("http", "ws") + "/api/live", origin=base)
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        async with http.get(base + "/metrics") as r:
            assert "photoflow_live_connections 1.0" in await r.text()

        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        message = await ws.receive(timeout=10)
        while message.type == aiohttp.WSMsgType.TEXT:
            message = await ws.receive(timeout=10)
        assert ws.close_code == aiohttp.WSCloseCode.GOING_AWAY
        out, err = await asyncio.to_thread(proc.communicate, timeout=30)
        took = time.monotonic() - stopped_at
    finally:
        await visitor.close()
        await http.close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert took < 5, took
    assert "Traceback" not in err, err
    assert out.strip().endswith("Studio server stopped."), out
