"""`photoflow portal`, the portal on its own: on uvloop where it is installed, serving galleries
like the desktop's portal, refusing a link revoked from the command line, stopping on Ctrl+C and,
as a service manager stops it, on SIGTERM."""

from __future__ import annotations

import asyncio
import importlib.util
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.images import make_shoot
from tests.integration.cli import env_for, photoflow
from tests.portal.conftest import Visitor


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(home: Path):  # type: ignore[no-untyped-def]
    """`photoflow ... --json` on this home, asserting success."""

    def pf(*args: str) -> dict:
        r = photoflow(home, *args, "--json")
        assert r.code == 0, (args, r.out, r.err)
        return r.json

    return pf


def studio_with_a_link(tmp_path: Path, photos: int, *, to_rate: bool) -> tuple[Path, dict]:
    """A home with one album of `photos` photos and a client link to it."""
    home = tmp_path / "home"
    pf = cli(home)
    pf("init", "--studio", "S", "--admin", "a@s.test")
    pf("album", "create", "Wedding")
    pf("import", "Wedding", *map(str, make_shoot(tmp_path / "card", photos)))
    if to_rate:
        pf("album", "advance", "Wedding")  # Stock
        pf("album", "advance", "Wedding")  # Rate
    return home, pf("link", "create", "Wedding", "--guest", "Ann")


def start_portal(home: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.main", "--home", str(home), "portal", "--port", str(port)],
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


async def test_photoflow_portal_serves_on_uvloop_and_refuses_a_revoked_link(tmp_path: Path):
    home, link = studio_with_a_link(tmp_path, 2, to_rate=True)
    pf = cli(home)
    port = free_port()
    proc = start_portal(home, port)
    visitor = Visitor(f"http://127.0.0.1:{port}")
    try:
        line = await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
        assert f"PhotoFlow portal on http://127.0.0.1:{port}/" in line, line
        g = await visitor.enter("/g/" + link["url"].rsplit("/g/", 1)[1])
        url = f"/api/photos/{g['photos'][0]['id']}/preview?size=grid"
        for _ in range(3):
            r = await visitor.get(url)
            assert r.status == 200 and r.headers["Content-Type"] == "image/jpeg"
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert "script-src 'none'" in r.headers["Content-Security-Policy"]
            assert (await r.read())[:2] == b"\xff\xd8"

        await asyncio.to_thread(pf, "link", "revoke", link["id"])
        answers = []
        for _ in range(100):  # the portal re-reads a link at least every second
            answers.append((await visitor.get(url)).status)
            if answers[-1] == 404:
                break
            await asyncio.sleep(0.1)
        assert answers[-1] == 404 and set(answers) <= {200, 404}, answers
        assert (await visitor.get("/api/gallery")).status == 404

        log = (home / "logs" / "photoflow.log").read_text()
        loop = "uvloop.Loop" if importlib.util.find_spec("uvloop") else "asyncio."
        assert f"portal on http://127.0.0.1:{port}, event loop {loop}" in log, log
    finally:
        await visitor.close()
        proc.send_signal(signal.SIGINT)  # Ctrl+C
        _, err = await asyncio.to_thread(proc.communicate, timeout=30)
    assert proc.returncode == 130 and "Stopped." in err and "Traceback" not in err, err


async def test_sigterm_closes_open_galleries_and_exits_cleanly(tmp_path: Path):
    home, link = studio_with_a_link(tmp_path, 1, to_rate=False)
    port = free_port()
    proc = start_portal(home, port)
    base = f"http://127.0.0.1:{port}"
    visitor = Visitor(base)
    try:
        await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
        await visitor.enter("/g/" + link["url"].rsplit("/g/", 1)[1])
        ws = await visitor.http.ws_connect(base.replace("http", "ws") + "/api/live", origin=base)
        assert (await ws.receive_json(timeout=5))["type"] == "hello"

        proc.send_signal(signal.SIGTERM)
        notices = []
        message = await ws.receive(timeout=10)
        while message.type == aiohttp.WSMsgType.TEXT:
            notices.append(message.json())
            message = await ws.receive(timeout=10)
        # Told why, then a proper close: the gallery page says the portal stopped, not "offline".
        assert {"type": "closed", "reason": "server stopping"} in notices
        assert ws.close_code == aiohttp.WSCloseCode.GOING_AWAY
        out, err = await asyncio.to_thread(proc.communicate, timeout=30)
    finally:
        await visitor.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Portal stopped." in out and "Traceback" not in err
