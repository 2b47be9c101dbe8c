"""A throwaway pgbouncer in transaction mode in front of the test cluster, on a free loopback port.

Trust authentication on loopback (the users it lets through are listed in its auth_file, as
pgbouncer wants even under trust); PostgreSQL behind it trusts loopback too. pgbouncer will not run
as root: under root (as in CI) it runs as `postgres` through `runuser`, like tests/pgcluster.py.
`stop()` always ends it, whatever state it is in.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.pgcluster import Cluster, _free_port

BINARY = os.environ.get("PHOTOFLOW_PGBOUNCER", shutil.which("pgbouncer") or "/usr/sbin/pgbouncer")


class Bouncer:
    def __init__(self, cluster: Cluster, users: list[str], *, server_pool: int = 2) -> None:
        if not Path(BINARY).exists():
            raise RuntimeError(
                f"pgbouncer is not at {BINARY}; the README's test command installs it "
                "(apt-get install pgbouncer)."
            )
        self.cluster = cluster
        self.users = users
        self.server_pool = server_pool
        self.root = Path(tempfile.mkdtemp(prefix="photoflow-bouncer-"))
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Bouncer:
        auth = "".join(f'"{u}" ""\n' for u in self.users)
        (self.root / "users.txt").write_text(auth)
        (self.root / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.cluster.port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.root / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.server_pool}\n"
            "max_client_conn = 500\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.root / 'pgbouncer.log'}\n"
            f"pidfile = {self.root / 'pgbouncer.pid'}\n"
        )
        if self.as_root:
            for path in [self.root, *self.root.iterdir()]:
                shutil.chown(path, "postgres", "postgres")
        argv = [
            *(["runuser", "-u", "postgres", "--"] if self.as_root else []),
            BINARY,
            str(self.root / "pgbouncer.ini"),
        ]
        self.process = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            self._wait_until_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_listening(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"pgbouncer stopped at start: {err}{self.log()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"pgbouncer did not listen within {timeout}s: {self.log()}")

    def log(self) -> str:
        try:
            return (self.root / "pgbouncer.log").read_text()
        except OSError:
            return ""

    def url_for(self, direct_url: str) -> str:
        """The same role and database as `direct_url`, through the pooler."""
        return make_url(direct_url).set(port=self.port).render_as_string(hide_password=False)

    def stop(self) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                # The whole session: runuser and the pgbouncer it started.
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(10)
        finally:
            if self.process is not None and self.process.stderr is not None:
                self.process.stderr.close()
            shutil.rmtree(self.root, ignore_errors=True)
