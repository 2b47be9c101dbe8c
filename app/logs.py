"""Where PhotoFlow writes what went wrong: a rotating log file in the home folder.

People see plain sentences; the details (tracebacks included) go to `<home>/logs/photoflow.log`,
and to stderr as well when PHOTOFLOW_LOG names a level (for developers).
"""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from core.home import Home


def setup_logging(home_root: Path) -> None:
    root = logging.getLogger()
    if getattr(root, "_photoflow", False):
        return
    root.setLevel(logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        folder = Home(home_root).logs
        folder.mkdir(parents=True, exist_ok=True)
        to_file = RotatingFileHandler(
            folder / "photoflow.log", maxBytes=5_000_000, backupCount=3, encoding="utf-8"
        )
        to_file.setFormatter(fmt)
        root.addHandler(to_file)
    except OSError:
        pass  # a read-only home still works; it only loses its log
    level = os.environ.get("PHOTOFLOW_LOG")
    if level:
        to_stderr = logging.StreamHandler(sys.stderr)
        to_stderr.setLevel(level.upper())
        to_stderr.setFormatter(fmt)
        root.addHandler(to_stderr)
    root._photoflow = True  # type: ignore[attr-defined]
