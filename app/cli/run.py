"""Run one command line: parse, open the home, act as the right user, print, exit with a code.

Exit codes: 0 done; 2 usage; 3 refused by a workflow rule; 4 not permitted; 1 anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from app import __version__
from app.cli.parser import build_parser, with_drive_sync
from core.errors import PhotoFlowError, Refused

if TYPE_CHECKING:
    from core.home import Home
    from core.policies import Actor
    from core.services import Services

# Only the commands that keep running follow the journal (and so hear other processes).
FOLLOWING = frozenset({"portal", "watch"})


def run(argv: list[str]) -> int:
    """Parse, then load only what the command uses: `--version` and `--help` (and shell
    completion, which calls them) import nothing beyond argparse."""
    argv = with_drive_sync(argv)
    args = build_parser(argv).parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    if args.version:
        print(f"photoflow {__version__}")
        return 0
    if args.command is None:
        from app.desktop import open_desktop

        return open_desktop(args)
    # Only now the services' world: the database, the models, the services' modules.
    with _loading():
        import asyncio

        from app.bootstrap import home_at
        from app.cli.output import error
        from app.logs import setup_logging

    setup_logging(home_at(args.home).root)
    try:
        if args.command == "server" and getattr(args, "action", None) is None:
            return _serve(args)
        if args.command in ("connect", "disconnect", "devices"):
            from app.cli.studio_server import run_remote

            return run_remote(home_at(args.home), args, as_json)
        if args.command == "portal":  # a server of its own: on uvloop where it is installed
            from portal.server import run_standalone

            return run_standalone(_run(args, as_json))
        return asyncio.run(_run(args, as_json))
    except KeyboardInterrupt:
        error("Stopped.", as_json)
        return 130


@contextlib.contextmanager
def _loading() -> Iterator[None]:
    """Load the services' world without the cycle collector, then freeze what it made.

    Loading SQLAlchemy, the models and the services makes a few hundred thousand objects that
    live as long as the process (modules, classes, tables, mappers). Collecting while they are
    made finds no garbage among them and, for a read command, cost a third of its start-up;
    frozen (gc.freeze), later collections pass them by. The collector is back on for the
    command itself, which may run for hours (an import, the portal)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_on:
            gc.enable()


def _serve(args: argparse.Namespace) -> int:
    """`photoflow server`: the studio server, on the standalone loop until SIGTERM."""
    from app.bootstrap import home_at, shared_catalog_url
    from app.cli.output import error
    from app.server import run_server

    url = args.db or shared_catalog_url()
    if not url:
        error("Say which database: photoflow server --db postgresql://...", False)
        return 2
    return run_server(home_at(args.home), url, args.host, args.port, args.trusted_proxy)


async def _run(args: argparse.Namespace, as_json: bool) -> int:
    import logging

    from app.bootstrap import close_services, home_at, open_services, shared_catalog_url
    from app.cli.commands import HANDLERS
    from app.cli.output import emit, error, refusal_json

    home = home_at(args.home)
    try:
        if args.command == "server" and args.action == "init":
            from app.cli.server_init import server_init

            return await server_init(args, as_json)
        if args.command == "init":
            return await _init(home, args, as_json)
        if not home.is_initialised and not shared_catalog_url():
            error(
                f"{home.root} is not set up yet; run: photoflow init --studio NAME --admin EMAIL",
                as_json,
            )
            return 1
        services = await open_services(home, follow=args.command in FOLLOWING)
        try:
            actor = await _actor(services, home, args)
            handler = HANDLERS[(args.command, getattr(args, "action", None))]
            data, text = await handler(services, actor, args)
            if data is not None:  # `watch` has printed everything as it came
                emit(data, text, as_json)
            return 0
        finally:
            await close_services(services)
    except Refused as exc:
        extra = {"refusals": [refusal_json(r) for r in exc.refusals]}
        error(str(exc), as_json, extra)
        for r in exc.refusals:
            print(f"  - [{r.code}] {r.message}", file=sys.stderr)
        return exc.exit_code
    except PhotoFlowError as exc:
        error(str(exc), as_json)
        return exc.exit_code
    except ValueError as exc:
        error(str(exc), as_json)
        return 2
    except OSError as exc:
        error(f"{exc.strerror or exc}: {exc.filename or ''}".strip(": "), as_json)
        return 1
    except Exception as exc:
        logging.getLogger("photoflow").exception("unexpected error")
        error(f"Something went wrong ({type(exc).__name__}); nothing was half-done.", as_json)
        return 1


async def _init(home: Home, args: argparse.Namespace, as_json: bool) -> int:
    from app.bootstrap import close_services, open_services
    from app.cli.output import emit

    services = await open_services(home, follow=False)
    try:
        admin = await services.tenants.initialise(args.init_studio, args.admin, args.name)
    finally:
        await close_services(services)
    config = home.read_config()
    config["default_user"] = admin.email
    home.write_config(config)
    data = {
        "home": str(home.root),
        "studio": admin.studio,
        "admin": admin.email,
        "role": admin.role.value,
    }
    emit(
        data,
        f"PhotoFlow home {home.root} is ready: studio {admin.studio!r}, admin {admin.email}.",
        as_json,
    )
    return 0


async def _actor(services: Services, home: Home, args: argparse.Namespace) -> Actor:
    from app.bootstrap import acting_user

    return await acting_user(services, home, args.as_user, args.studio)
