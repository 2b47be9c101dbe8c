"""`photoflow server`: the studio server. One aiohttp process on PostgreSQL serving the client
portal, the staff and sync API for desktops under /api/v1/, and /metrics; stopped by SIGTERM or
Ctrl+C, live sockets closed and the runner cleaned up, exit 0."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler

if TYPE_CHECKING:
    from core.home import Home
    from core.services import Services
    from sync.mail.postmen import Postmen

log = logging.getLogger(__name__)

# Desktops send command batches and previews to /api/v1/ (up to 16 MiB); the portal's own routes
# keep their small limit (portal.app.MAX_BODY).
API_PREFIX = "/api/v1/"
API_MAX_BODY = 16 * 1024 * 1024


@web.middleware
async def api_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(API_PREFIX):
        request = request.clone(client_max_size=API_MAX_BODY)
    return await handler(request)


def build_server_app(
    services: Services, trusted_proxies: Sequence[str] = (), postmen: Postmen | None = None
) -> web.Application:
    """The portal's app with the studio server's routes before its catch-all; `postmen` (the
    studio's e-mail) hear when an admin sets a studio's SMTP password."""
    from app.metrics import count_live_connections, measure_requests, metrics
    from core.proxies import TrustedProxies
    from portal.app import create_app
    from sync.server.auth import SERVICES, TRUSTED_PROXIES, device_actor
    from sync.server.mail_api import add_mail_routes
    from sync.server.routes import add_sync_routes
    from sync.server.staff_api import add_staff_routes

    def studio_routes(app: web.Application) -> None:
        app[SERVICES] = services
        app[TRUSTED_PROXIES] = TrustedProxies.parse(trusted_proxies)
        add_staff_routes(app, services, device_actor)
        add_sync_routes(app, services, device_actor)
        told = postmen.password_set if postmen is not None else None
        add_mail_routes(app, services, device_actor, services.paths.root, told)
        app.router.add_get("/metrics", metrics)

    app = create_app(services, trusted_proxies=trusted_proxies, more_routes=studio_routes)
    app.middlewares.append(measure_requests)
    app.middlewares.append(api_bodies)
    count_live_connections(app)
    return app


class StopSignals:
    """SIGTERM (a service manager) and SIGINT (Ctrl+C) set `stopping`, from the moment the
    process starts, so that a stop during start-up is a clean stop too."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.stopping = asyncio.Event()

    def __enter__(self) -> StopSignals:
        loop = asyncio.get_running_loop()
        for sig in self.SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows
                loop.add_signal_handler(sig, self.stopping.set)
        return self

    def __exit__(self, *exc: object) -> None:
        loop = asyncio.get_running_loop()
        for sig in self.SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


async def serve(
    services: Services,
    host: str,
    port: int,
    stopping: asyncio.Event,
    trusted_proxies: Sequence[str] = (),
) -> None:
    """Serve until `stopping` is set, then close the live sockets and the listening one."""
    from portal.live import HUB
    from sync.mail.postmen import Postmen

    # The studios' e-mail goes from the server: clients send their selections here.
    postmen = Postmen(services, services.paths.root)
    runner = web.AppRunner(
        build_server_app(services, trusted_proxies, postmen), access_log=None, shutdown_timeout=2.0
    )
    await runner.setup()
    postmen.start()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        server = site._server
        sockets = list(server.sockets) if server is not None else []  # type: ignore[attr-defined]
        actual = sockets[0].getsockname()[1] if sockets else port
        print(f"PhotoFlow studio server on http://{host}:{actual}/ (SIGTERM stops it)", flush=True)
        log.info("studio server on http://%s:%s", host, actual)
        await stopping.wait()
        log.info("studio server stopping")
        await runner.app[HUB].stop()  # tell open galleries why, then close their sockets
    finally:
        await postmen.stop()
        await runner.cleanup()


def run_server(
    home: Home, database_url: str, host: str, port: int, trusted_proxies: Sequence[str]
) -> int:
    """Open the services on `database_url` and serve until stopped; exit 0."""
    from app.bootstrap import close_services, open_services
    from app.cli.output import error
    from app.metrics import observe_call
    from core.errors import PhotoFlowError
    from core.proxies import TrustedProxies
    from portal.server import run_standalone

    try:
        TrustedProxies.parse(trusted_proxies)
    except ValueError as exc:
        error(str(exc), False)
        return 2

    async def main() -> int:
        with StopSignals() as signals:
            try:
                services = await open_services(
                    home, database_url=database_url, on_call=observe_call
                )
            except Exception as exc:  # a wrong URL, a database that is down, a refused password
                log.exception("could not open the studio database")
                error(
                    f"Cannot open the studio database ({type(exc).__name__}); the log has details.",
                    False,
                )
                return 1
            try:
                if not signals.stopping.is_set():
                    await serve(services, host, port, signals.stopping, trusted_proxies)
                print("Studio server stopped.", flush=True)
                return 0
            except PhotoFlowError as exc:
                error(str(exc), False)
                return exc.exit_code
            except OSError as exc:
                error(f"Cannot listen on {host}:{port}: {exc.strerror or exc}", False)
                return 1
            finally:
                await close_services(services)

    return run_standalone(main())
