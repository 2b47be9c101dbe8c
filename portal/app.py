"""The portal application factory: the same app runs standalone (`photoflow portal`) and inside
the desktop app's event loop (portal.server.start_portal)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from core.services import Services
from portal.live import HUB, LiveHub
from portal.middlewares import security_headers
from portal.previews import STORE, PictureStore
from portal.routes import setup_routes
from portal.security import Sessions, load_secret
from portal.state import STATE, PortalState

MAX_BODY = 64 * 1024


def create_app(
    services: Services,
    *,
    more_routes: Callable[[web.Application], None] | None = None,
) -> web.Application:
    """`more_routes`: the studio server adds its API and /metrics here, before the portal's
    catch-all answer to unknown paths (which must stay last)."""
    # No middlewares: every route is guarded where it is added (see portal.middlewares.guarded).
    app = web.Application(client_max_size=MAX_BODY)
    state = PortalState(services, Sessions(load_secret(services.paths.root)))
    app[STATE] = state
    app[STORE] = PictureStore(services.paths.previews)
    app[HUB] = LiveHub(state)
    app.on_response_prepare.append(security_headers)
    app.cleanup_ctx.append(_live_hub)
    setup_routes(app, more_routes)
    return app


async def _live_hub(app: web.Application) -> AsyncIterator[None]:
    hub = app[HUB]
    await hub.start()
    yield
    await hub.stop()
