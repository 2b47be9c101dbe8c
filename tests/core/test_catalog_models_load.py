"""Models load when first named (core/catalog/__init__.py), so every model module must bring the
tables its foreign keys name: a command that loads one module alone can then write its rows
(the unit of work orders tables by their foreign keys) and join across them."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

# In a fresh interpreter (this one has every model loaded already): SQLAlchemy loaded once, then
# one forked child per model module, which loads that module alone, resolves every foreign key
# of the tables it now has, and configures the mappers.
CHECK = textwrap.dedent(
    """
    import os, sys
    import sqlalchemy.orm
    import core.catalog

    modules = sorted(set(core.catalog._MODULE_OF.values()))
    failed = []
    for module in modules:
        pid = os.fork()
        if pid == 0:
            try:
                mod = __import__(f"core.catalog.{module}", fromlist=["_"])
                from core.catalog.base import Base
                for table in Base.metadata.tables.values():
                    for fk in table.foreign_keys:
                        fk.column
                sqlalchemy.orm.configure_mappers()
                print(module, sorted(Base.metadata.tables), flush=True)
                os._exit(0)
            except BaseException as exc:
                print(f"{module}: {type(exc).__name__}: {exc}", flush=True)
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            failed.append(module)
    sys.exit(1 if failed else 0)
    """
)


def test_each_model_module_loads_alone_with_the_tables_it_names() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    tables = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in proc.stdout.splitlines()}
    # Loading the albums alone makes their tables and the studios', not every table.
    assert "'albums'" in tables["albums"] and "'users'" in tables["albums"]
    assert "'share_links'" not in tables["albums"] and "'audit_events'" not in tables["albums"]


def test_all_models_makes_every_table() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import core.catalog as c; print(len(c.all_models().metadata.tables))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    from core.catalog import _MODULE_OF, all_models

    assert int(proc.stdout) == len(all_models().metadata.tables) >= 27
    # A new model module is named in core.catalog, or all_models() (and so the migrations'
    # comparison with the models) would not know its tables.
    folder = Path(all_models.__code__.co_filename).parent
    with_models = {
        path.stem
        for path in folder.glob("*.py")
        if re.search(r"^class \w+\(Base\b", path.read_text("utf-8"), re.MULTILINE)
    }
    assert with_models and with_models <= set(_MODULE_OF.values())
