"""Run the real `photoflow` command line in a subprocess, as a script or a person would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def env_for(home: Path, database_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PHOTOFLOW_HOME"] = str(home)
    env.pop("PHOTOFLOW_USER", None)
    env.pop("PHOTOFLOW_DATABASE_URL", None)
    if database_url:
        env["PHOTOFLOW_DATABASE_URL"] = database_url
    return env


def photoflow(
    home: Path,
    *args: str,
    as_user: str | None = None,
    timeout: float = 120,
    database_url: str | None = None,
) -> Result:
    argv = [sys.executable, "-m", "app.main"]
    if as_user:
        argv += ["--as", as_user]
    proc = subprocess.run(
        [*argv, *args],
        env=env_for(home, database_url),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
