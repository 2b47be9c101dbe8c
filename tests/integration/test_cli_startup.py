"""The command line starts light: `--version` and `--help` load nothing heavy, a read command
loads neither the imaging stack nor Alembic (its catalog is current), nor the web server or Qt.
(How fast, as ratios to `python -c pass`, is benchmarks/startup.py's to say.)"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import textwrap
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


# What `album show` must not load, by module (-X importtime misses what importlib.import_module
# loads, such as the models core.catalog makes on first use; sys.modules has everything): the
# mail, Drive, portal, desktop and sync machinery, the other services, the journal's follower,
# PostgreSQL's dialect, and the tables an album's summary does not read.
NOT_FOR_SHOWING = (
    "alembic",
    "PIL",
    "PySide6",
    "aiohttp",
    "asyncpg",
    "keyring",
    "aiosmtplib",
    "googleapiclient",
    "google",
    "sync",
    "portal",
    "ui",
    "core.imaging",
    "core.journal.follower",
    "core.services.imports",
    "core.services.delivery",
    "core.services.mail",
    "core.services.client",
    "core.services.replica",
    "core.services.staff",
    "core.services.drive_state",
    "core.catalog.drive",
    "core.catalog.mail",
    "core.catalog.staff",
    "core.catalog.portal_state",
    "core.catalog.delivery",
    "core.catalog.audit",
    "core.catalog.journal",
    "core.catalog.sync",
    "core.services.delivery_jobs",
    "core.journal.store",
    "sqlalchemy.dialects.postgresql",
    "webbrowser",
)
LIST_MODULES = textwrap.dedent(
    """
    import atexit, json, os, sys
    def _list():
        with open(os.environ["MODULES_LIST"], "w") as out:
            json.dump(sorted(sys.modules), out)
    atexit.register(_list)
    from app.main import main
    raise SystemExit(main(sys.argv[1:]))
    """
)


def loaded_modules(home: Path, *args: str) -> tuple[set[str], str]:
    """Every module `photoflow ARGS` had loaded when it exited, and what it printed."""
    listing = home.parent / "modules.json"
    proc = subprocess.run(
        [sys.executable, "-c", LIST_MODULES, *args],
        env={**env_for(home), "MODULES_LIST": str(listing)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return set(json.loads(listing.read_text())), proc.stdout


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

    modules, shown = loaded_modules(home, "album", "show", "Smith Wedding", "--json")
    assert shown == out  # the same summary, through the same service
    unwanted = {m for m in modules if m.split(".")[0] in NOT_FOR_SHOWING or m in NOT_FOR_SHOWING}
    unwanted |= {m for m in modules for n in NOT_FOR_SHOWING if m.startswith(n + ".")}
    assert unwanted == set()
    # ...while what it does use is there: the album service, and the albums' tables.
    assert {"core.services.albums", "core.catalog.albums", "sqlalchemy.orm"} <= modules


def test_the_parser_offers_what_the_services_accept() -> None:
    assert tuple(parser.KINDS) == KINDS
    assert [s.value for s in Stage] == parser.STAGES
    assert [r.value for r in Role] == parser.ROLES
