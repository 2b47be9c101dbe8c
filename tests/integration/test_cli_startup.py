"""The command line starts light: `--version` and `--help` load nothing heavy, a read command
loads neither the imaging stack nor Alembic (its catalog is current), nor the web server or Qt.
(How fast, as ratios to `python -c pass`, is benchmarks/startup.py's to say.)"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

from app import __version__
from app.cli import parser
from core.policies import Role
from core.services.imports import KINDS
from core.workflow import Stage
from tests.integration.cli import env_for, photoflow

HEAVY = {"sqlalchemy", "alembic", "PySide6", "aiohttp", "PIL", "numpy", "rawpy", "asyncio"}
NOT_FOR_READING = {"alembic", "PySide6", "aiohttp", "PIL", "numpy", "rawpy", "blake3", "asyncpg"}


def loaded_packages(home: Path, *args: str) -> tuple[set[str], str]:
    """The top-level packages `photoflow ARGS` imports (as -X importtime lists them), and what
    it printed."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "app.main", *args],
        env=env_for(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return names, proc.stdout


def test_version_and_help_load_nothing_heavy(tmp_path: Path) -> None:
    loaded, out = loaded_packages(tmp_path, "--version")
    assert out == f"photoflow {__version__}\n"
    assert loaded & HEAVY == set()
    loaded, out = loaded_packages(tmp_path, "--help")
    assert "album" in out and "import" in out and "portal" in out
    assert loaded & HEAVY == set()
    loaded, out = loaded_packages(tmp_path, "album", "--help")
    assert "show" in out and loaded & HEAVY == set()


def test_the_version_printed_is_the_installed_one() -> None:
    assert __version__ == importlib.metadata.version("photoflow")


def test_a_read_command_loads_only_what_it_uses(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert photoflow(home, "init", "--studio", "Lumen", "--admin", "ana@lumen.test").code == 0
    assert photoflow(home, "album", "create", "Smith Wedding").code == 0
    loaded, out = loaded_packages(home, "album", "show", "Smith Wedding", "--json")
    assert '"name": "Smith Wedding"' in out and '"stage": "raw"' in out
    # No Alembic: the catalog's stored revision is the newest, so no migration is loaded.
    assert loaded & NOT_FOR_READING == set()


def test_the_parser_offers_what_the_services_accept() -> None:
    assert tuple(parser.KINDS) == KINDS
    assert [s.value for s in Stage] == parser.STAGES
    assert [r.value for r in Role] == parser.ROLES
