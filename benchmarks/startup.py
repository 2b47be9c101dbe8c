"""How long `photoflow` takes to start, as the whole process a script or a shell sees.

Targets (issue 10), as ratios to `python -c pass` on the same interpreter in the same run:
`--version` at most 3x, `album show X --json` at most 15x. `--help` is timed too (shell
completion and people typing). The home is prepared first (a studio, an album of a few photos);
then every command is run the same number of warm-up times, then the timed rounds go round-robin
through all of them, so that a busy machine slows each one alike. Median of the rounds each,
of the wall time and of the CPU time the process used (user + system: steadier when other work
shares the machine). Last rows, for scale: what importing SQLAlchemy's ORM, its asyncio
extension and the SQLite driver costs on its own, the floor of any command that reads the catalog
(and the same loaded as photoflow now loads them: the cycle collector off, then the loaded
objects frozen, which spares the collection at exit from walking them too); and
the least an async ORM read of the catalog costs: those imports, one two-column model, the
SQLite engine and one SELECT in an AsyncSession, without PhotoFlow's models, services, policy
check, command line or logging.

    .venv/bin/python benchmarks/startup.py [--runs 21] [--warmup 3] [--photos 12] [--checkout DIR]

--checkout times another copy of the code too (say `git archive` of an older commit), through
`python -m app.main`, on the same home in the same rounds: its rows ("before: ...") are the
figures before a change, taken in the same conditions as this checkout's.

Both source trees are byte-compiled first, as an installed copy is: with PYTHONDONTWRITEBYTECODE
set (or a read-only tree), every run would otherwise compile PhotoFlow's modules from source, a
third of a second that no installed copy pays. Left out: the shell's own start of the script and
a cold disk cache (every run after the warm-up finds the files in memory).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ALBUM = "Smith Wedding"
FLOOR = "import asyncio, aiosqlite, sqlalchemy.orm, sqlalchemy.ext.asyncio"
FLOOR_NO_GC = f"import gc; gc.disable(); {FLOOR}; gc.freeze()"
# The least an async ORM read of the catalog costs: the same imports, collector off while loading,
# one two-column model, the SQLite engine, one SELECT by name in an AsyncSession.
ORM_READ = f"""
{FLOOR_NO_GC}; gc.enable()
import os, uuid
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
class Base(DeclarativeBase):
    pass
class Album(Base):
    __tablename__ = "albums"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str]
async def main():
    path = os.path.join(os.environ["PHOTOFLOW_HOME"], "catalog.sqlite")
    engine = create_async_engine("sqlite+aiosqlite:///" + path)
    async with AsyncSession(engine) as session:
        album = await session.scalar(select(Album).where(Album.name == {ALBUM!r}))
        print(album.id, album.name)
    await engine.dispose()
asyncio.run(main())
"""
TARGETS = {"--version": 3.0, "album show --json": 15.0}


def photoflow_argv() -> list[str]:
    """The installed `photoflow` script beside this interpreter, as people run it."""
    script = Path(sys.executable).with_name("photoflow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.main"]


def prepare(home: Path, photos: int) -> None:
    from tests.images import make_shoot

    env = {**os.environ, "PHOTOFLOW_HOME": str(home)}
    pf = photoflow_argv()
    shoot = make_shoot(home.parent / "card", photos)
    for args in (
        ["init", "--studio", "Bench Studio", "--admin", "bench@studio.test"],
        ["album", "create", ALBUM, "--max-select", "4"],
        ["import", ALBUM, "--no-progress", *map(str, shoot)],
    ):
        subprocess.run([*pf, *args], env=env, check=True, capture_output=True)


def byte_compile(tree: Path) -> None:
    """Write the .pyc files of `tree`'s packages, as installing it does."""
    dirs = [str(tree / d) for d in ("app", "core", "sync", "portal", "ui") if (tree / d).is_dir()]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *dirs], check=True, capture_output=True
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def once(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one whole run of ``argv``."""
    cpu = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.decode(errors='replace')}")
    return elapsed, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--photos", type=int, default=12)
    parser.add_argument("--checkout", type=Path, help="time the photoflow of this source tree")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pf-startup-") as tmp:
        home = Path(tmp) / "home"
        prepare(home, opts.photos)
        env = {**os.environ, "PHOTOFLOW_HOME": str(home)}
        pf = photoflow_argv()
        byte_compile(ROOT)
        # (argv, working folder): -m puts the working folder first on the path
        commands: dict[str, tuple[list[str], Path | None]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], None),
            "--version": ([*pf, "--version"], None),
            "--help": ([*pf, "--help"], None),
            "album show --json": ([*pf, "album", "show", ALBUM, "--json"], None),
        }
        if opts.checkout is not None:
            before = opts.checkout.resolve()
            byte_compile(before)
            old = [sys.executable, "-m", "app.main"]
            commands["before: --version"] = ([*old, "--version"], before)
            commands["before: --help"] = ([*old, "--help"], before)
            commands["before: album show --json"] = (
                [*old, "album", "show", ALBUM, "--json"],
                before,
            )
        commands["(sqlalchemy floor)"] = ([sys.executable, "-c", FLOOR], None)
        # The same with the cycle collector off while importing, as photoflow loads (app/cli/run.py)
        commands["(floor, collector off)"] = ([sys.executable, "-c", FLOOR_NO_GC], None)
        commands["(one async ORM read)"] = ([sys.executable, "-c", ORM_READ], None)
        for _ in range(opts.warmup):
            for argv, cwd in commands.values():
                once(argv, env, cwd)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(opts.runs):
            for name, (argv, cwd) in commands.items():
                runs[name].append(once(argv, env, cwd))

    wall = {name: statistics.median(w for w, _ in r) for name, r in runs.items()}
    cpu = {name: statistics.median(c for _, c in r) for name, r in runs.items()}
    ref = "python -c pass"
    print(f"photoflow start-up, whole process, median of {opts.runs} runs ({os.cpu_count()} CPUs)")
    print(f"{'command':26} {'wall':>9} {'ratio':>7} {'cpu':>9} {'ratio':>7}  target: wall, cpu")
    for name in commands:
        target = TARGETS.get(name.removeprefix("before: "))
        ratios = (wall[name] / wall[ref], cpu[name] / cpu[ref])
        verdict = ""
        if target is not None:
            verdict = f"<= {target:g}x " + ", ".join(
                "ok" if r <= target else "MISSED" for r in ratios
            )
        print(
            f"{name:26} {wall[name] * 1000:7.1f}ms {ratios[0]:6.1f}x "
            f"{cpu[name] * 1000:7.1f}ms {ratios[1]:6.1f}x  {verdict}"
        )


if __name__ == "__main__":
    main()
