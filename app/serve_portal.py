"""The client portal as a server of its own: `photoflow portal`, and the desktop app started on a
machine with no screen. Both come here, so both stop the same way."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.home import Home
    from core.policies import Actor
    from core.services import Services


async def serve_until_stopped(
    services: Services,
    actor: Actor,
    host: str | None = None,
    port: int | None = None,
    trusted_proxies: Sequence[str] = (),
) -> None:
    """Serve galleries on the studio's address (or the one given) until Ctrl+C or SIGTERM;
    X-Forwarded-For is believed from `trusted_proxies` only (addresses or CIDR networks)."""
    from portal.server import start_portal
    from sync.mail.password import MailPassword
    from sync.mail.postman import Postman

    _, settings = await services.settings.get(actor)
    host = host or settings.portal_host
    port = port if port is not None else settings.portal_port
    handle = await start_portal(services, host, port, trusted_proxies=trusted_proxies)
    # The studio's e-mail goes from here too (clients submit here): the outbox's claims keep a
    # desktop on the same catalog from sending a message twice.
    postman = Postman(services, actor.tenant_id, MailPassword(services.paths.root))
    postman.start()
    print(f"PhotoFlow portal on http://{host}:{handle.port}/ (Ctrl+C stops it)", flush=True)
    # A service manager (systemd, Docker) stops a server with SIGTERM: close the galleries' live
    # connections and the socket in order, as for Ctrl+C, and exit 0.
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows has no such signal
        loop.add_signal_handler(signal.SIGTERM, stopping.set)
    try:
        await stopping.wait()
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)
        await handle.stop()
        await postman.stop()


def serve_standalone(home: Home, as_user: str | None, studio: str | None) -> int:
    """Open the home, work out who serves, and serve until stopped (exit 0; Ctrl+C: 130)."""
    from app.bootstrap import acting_user, close_services, open_services
    from app.cli.output import error
    from core.errors import PhotoFlowError
    from portal.server import run_standalone

    async def main() -> int:
        services = await open_services(home)
        try:
            actor = await acting_user(services, home, as_user, studio)
            await serve_until_stopped(services, actor)
            return 0
        except PhotoFlowError as exc:
            error(str(exc), False)
            return exc.exit_code
        finally:
            await close_services(services)

    try:
        return run_standalone(main())
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
