"""A throwaway PostgreSQL 15 cluster for the test run: initdb + pg_ctl in a temp dir, on loopback.

PostgreSQL refuses to run as root; under root (as in CI) the cluster belongs to the `postgres` user
and its commands run through `runuser -u postgres --`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN = Path(os.environ.get("PHOTOFLOW_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self) -> None:
        if not (BIN / "initdb").exists():
            raise RuntimeError(
                f"PostgreSQL 15 server binaries are not in {BIN}; the README's test command "
                "installs them (apt-get install postgresql-15)."
            )
        self.root = Path(tempfile.mkdtemp(prefix="photoflow-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else os.environ.get("USER", "photoflow")

    def _run(self, *cmd: str) -> None:
        argv = [*(["runuser", "-u", "postgres", "--"] if self.as_root else []), *cmd]
        subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def start(self) -> Cluster:
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
            self.root.chmod(0o700)
        self._run(
            str(BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "photoflow",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )
        return self

    def stop(self) -> None:
        try:
            self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://photoflow@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of `template`, when given: no connection may be open to it)."""
        like = f' TEMPLATE "{template}"' if template else ""
        self._run(
            str(BIN.parent / "bin" / "psql") if (BIN / "psql").exists() else "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "photoflow",
            "-d",
            "postgres",
            "-c",
            f'CREATE DATABASE "{name}"{like}',
        )
        return self.url(name)
