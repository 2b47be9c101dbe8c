"""kill -9 of the import command or of the desktop app: its worker processes end with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.integration.cli import env_for, photoflow
from tests.integration.processes import Proc, descendants, read_until

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="finds the workers in Linux's /proc"
)

GRACE = 5.0  # seconds the pool's processes have to end after their owner is killed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_card(folder: Path, count: int = 24) -> None:
    folder.mkdir(parents=True)
    noise = Image.effect_noise((2400, 1600), 60).convert("RGB")
    for i in range(count):
        noise.rotate(i * 7, fillcolor=(i * 6, 90, 160)).save(folder / f"DSC_{i:04d}.jpg")


def kill_and_list_survivors(owner: subprocess.Popen[bytes], pool: list[Proc]) -> list[Proc]:
    """kill -9 the owner alone (not its process group: a crash takes only the app), then give
    its pool GRACE seconds; whatever is still alive then is returned (and killed)."""
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait(timeout=30)
    deadline = time.monotonic() + GRACE
    while any(p.alive() for p in pool) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [p for p in pool if p.alive()]
    for p in survivors:  # do not leave them to the next test
        os.kill(p.pid, signal.SIGKILL)
    return survivors


def pool_of(owner_pid: int, workers: int) -> list[Proc]:
    """The owner's pool once it has its forkserver and ``workers`` workers (the resource tracker
    comes with them)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = descendants(owner_pid)
        servers = [p for p in found if "multiprocessing.forkserver" in p.command]
        if len(servers) >= 1 + workers:  # workers are forked from the forkserver
            return found
        time.sleep(0.1)
    raise AssertionError(f"the pool did not start: {descendants(owner_pid)}")


def test_kill_9_during_the_preview_pass_leaves_no_worker_running(tmp_path: Path) -> None:
    card, home = tmp_path / "card", tmp_path / "home"
    make_card(card)
    assert photoflow(home, "init", "--studio", "S", "--admin", "a@s.test").code == 0
    assert photoflow(home, "album", "create", "Shoot").code == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.main", "import", "Shoot", str(card)],
        env=env_for(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    try:
        said = read_until(proc.stderr, b"previews", time.monotonic() + 120)  # type: ignore[arg-type]
        assert b"previews" in said, said.decode(errors="replace")
        pool = descendants(proc.pid)
        assert proc.poll() is None, "the import finished before it could be killed"
        assert any("resource_tracker" in p.command for p in pool), pool
        assert sum("multiprocessing.forkserver" in p.command for p in pool) >= 2, pool
        assert kill_and_list_survivors(proc, pool) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()  # type: ignore[union-attr]


def test_kill_9_of_the_desktop_app_leaves_no_worker_running(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert photoflow(home, "init", "--studio", "S", "--admin", "a@s.test").code == 0
    port = free_port()  # not the default port, which another program may hold
    assert photoflow(home, "settings", "set", f"portal_port={port}").code == 0
    env = env_for(home) | {"QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.main"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        pool = pool_of(proc.pid, workers=1)  # the window warms the pool as it opens
        assert proc.poll() is None
        assert any("resource_tracker" in p.command for p in pool), pool
        assert kill_and_list_survivors(proc, pool) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
