"""`photoflow` with no command on a machine without a screen: a plain word, then the portal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.integration.cli import env_for, photoflow
from tests.integration.processes import read_until


def headless_env(home: Path) -> dict[str, str]:
    env = env_for(home)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_fresh_home_without_a_screen_says_how_to_start(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "app.main"],
        env=headless_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "no display found" in proc.stderr
    assert "init --studio NAME --admin EMAIL" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_studio_without_a_screen_serves_its_client_portal(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert photoflow(home, "init", "--studio", "S", "--admin", "a@s.test").code == 0
    port = free_port()
    assert photoflow(home, "settings", "set", f"portal_port={port}", "link_watermark=no").code == 0
    shown = photoflow(home, "settings", "show", "--json").json
    assert (shown["portal_port"], shown["link_watermark"]) == (port, False)
    assert photoflow(home, "settings", "set", "portal_port=0").code == 2
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.main", "--home", str(home)],
        env=headless_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
        start_new_session=True,
    )
    try:
        assert photoflow(home, "--json", "album", "list").code == 0
        # "PhotoFlow portal on http://host:port/ ...", within a minute, or the test fails.
        said = read_until(proc.stdout, b"\n", time.monotonic() + 60).decode()  # type: ignore[arg-type]
        if "PhotoFlow portal on http://" not in said:
            stderr = read_until(proc.stderr, b"\0", time.monotonic() + 2)  # type: ignore[arg-type]
            raise AssertionError(f"no portal line; said {said!r}, {stderr.decode()!r}")
        url = said.split(" on ", 1)[1].split(" ", 1)[0]
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url + "g/not-a-real-token", timeout=5)
            except urllib.error.HTTPError as answer:
                assert answer.code == 404  # a plain not-found page, not a stack trace
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
