"""The `photoflow` program: the desktop app with no subcommand, the command line otherwise.

Start-up is kept light on purpose: `--version` and `--help` import nothing heavy, and each command
loads only what it uses (see app.cli.run), so scripts and shell completion that call the command
line in a loop do not pay for SQLAlchemy, Qt or the imaging stack.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    if getattr(sys, "frozen", False):
        import multiprocessing

        multiprocessing.freeze_support()  # the built app's import workers start through here
    from app.cli.run import run

    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())
