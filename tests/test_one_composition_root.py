"""One composition root: only app/bootstrap.py works out who is acting and builds the imaging
pool; core never builds a pool or peeks into an executor's private state."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def lines_with(needle: str, *folders: str) -> list[str]:
    found = []
    for folder in folders:
        for path in sorted((REPO / folder).rglob("*.py")):
            for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if needle in line:
                    found.append(f"{path.relative_to(REPO)}:{n}")
    return found


def test_the_acting_user_is_worked_out_in_one_place() -> None:
    callers = lines_with("installation_admin()", "app", "ui", "portal")
    assert len(callers) == 1 and callers[0].startswith("app/bootstrap.py:"), callers


def test_core_builds_no_pool_and_reads_no_private_executor_state() -> None:
    assert lines_with("_max_workers", "core", "app", "ui", "portal") == []
    builders = lines_with("imaging_pool(", "core/services", "app", "ui", "portal")
    assert all(b.startswith("app/bootstrap.py") for b in builders), builders


def test_the_headless_desktop_does_not_re_enter_the_command_line() -> None:
    source = (REPO / "app" / "desktop.py").read_text("utf-8")
    assert "from app.cli.run import run" not in source and '"portal"]' not in source
