"""A desktop connects to the studio server from the command line: `photoflow connect` accepts an
invite and keeps the device token where only its user can read it (no OS keyring on this
machine: the file in the home, mode 0600); an admin lists and revokes devices; `disconnect`."""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import server_database
from tests.integration.cli import Result, env_for
from tests.integration.test_studio_server import PASSWORD, pf, start_server
from tests.pgcluster import Cluster
from tests.portal.test_standalone import free_port

pytestmark = pytest.mark.postgres


def desktop(home: Path, *args: str) -> Result:
    """`photoflow` on a desktop with no OS keyring; its own HOME, so no real keyring is touched."""
    env = env_for(home)
    env.update(
        PHOTOFLOW_PASSWORD=PASSWORD,
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        HOME=str(home.parent / "os-home"),
        XDG_DATA_HOME=str(home.parent / "os-home" / "data"),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "app.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def ok(result: Result) -> Any:
    assert result.code == 0, (result.out, result.err)
    return json.loads(result.out)


def test_connect_devices_revoke_disconnect(tmp_path: Path, pg_cluster: Cluster) -> None:
    url = server_database(pg_cluster)
    admin_home = tmp_path / "studio"
    pf(admin_home, url, "init", "--studio", "Lumen", "--admin", "owner@lumen.test")
    owner_code = pf(admin_home, url, "user", "invite", "owner@lumen.test")["code"]
    pia_code = pf(admin_home, url, "user", "invite", "pia@lumen.test", "--role", "photographer")[
        "code"
    ]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(tmp_path / "server", url, port)
    try:
        assert "studio server on" in proc.stdout.readline()  # type: ignore[union-attr]
        owner, pia = tmp_path / "owner" / "home", tmp_path / "pia" / "home"
        me = ok(
            desktop(owner, "connect", base, "--email", "owner@lumen.test", "--code", owner_code,
                    "--device", "Front desk", "--json")
        )  # fmt: skip
        assert (me["email"], me["role"], me["device"]) == (
            "owner@lumen.test",
            "superadmin",
            "Front desk",
        )
        assert json.loads((owner / "config.json").read_text())["studio_server"] == base
        kept = owner / "studio-server-keyring.cfg"
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert not (tmp_path / "owner" / "os-home" / "data").exists()  # nothing outside the home

        ok(desktop(pia, "connect", base, "--email", "pia@lumen.test", "--code", pia_code,
                   "--device", "Pia's laptop", "--json"))  # fmt: skip
        refused = desktop(pia, "devices", "--json")
        assert refused.code == 4 and "ask a studio admin" in json.loads(refused.out)["error"]

        devices = ok(desktop(owner, "devices", "list", "--json"))
        assert sorted(d["name"] for d in devices) == ["Front desk", "Pia's laptop"]
        pias = next(d for d in devices if d["email"] == "pia@lumen.test")
        ok(desktop(owner, "devices", "revoke", pias["id"], "--json"))
        gone = desktop(pia, "devices", "--json")
        assert gone.code == 4 and "signed out by an admin" in gone.err

        assert ok(desktop(pia, "disconnect", "--json")) == {"connected": False}
        assert "studio_server" not in json.loads((pia / "config.json").read_text())
        again = desktop(pia, "devices")
        assert again.code == 4 and "photoflow connect" in again.err
        wrong = desktop(owner, "connect", "127.0.0.1:1", "--email", "owner@lumen.test")
        assert wrong.code == 1 and "cannot be reached" in wrong.err and "Traceback" not in wrong.err
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0
