"""The portal application factory: the same app runs standalone (`photoflow portal`) and inside
the desktop app's event loop (portal.server.start_portal)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable

from aiohttp import web

from core.proxies import TrustedProxies
from core.services import Services
from portal.downloads import ZIPS, ZipSlots, zip_readers
from portal.live import HUB, LiveHub
from portal.middlewares import security_headers
from portal.previews import STORE, PictureStore
from portal.routes import setup_routes
from portal.security import Sessions
from portal.state import STATE, PortalState

MAX_BODY = 64 * 1024


def create_app(
    services: Services,
    *,
    trusted_proxies: Iterable[str] = (),
    more_routes: Callable[[web.Application], None] | None = None,
) -> web.Application:
    """The portal. `trusted_proxies`: addresses or networks (CIDR) of the proxies in front of it,
    whose X-Forwarded-For is believed (ValueError for one that is neither). `more_routes`: the
    studio server adds its API and /metrics here, before the portal's catch-all answer to unknown
    paths (which must stay last)."""
    # No middlewares: every route is guarded where it is added (see portal.middlewares.guarded).
    app = web.Application(client_max_size=MAX_BODY)
    state = PortalState(services, Sessions.unkeyed(), TrustedProxies.parse(trusted_proxies))
    app[STATE] = state
    app[STORE] = PictureStore(services.paths.previews, stored=services.sync.preview)
    app[HUB] = LiveHub(state)
    app[ZIPS] = ZipSlots()
    app.on_response_prepare.append(security_headers)
    app.cleanup_ctx.append(_session_key)
    app.cleanup_ctx.append(_live_hub)
    app.cleanup_ctx.append(zip_readers)
    setup_routes(app, more_routes)
    return app


async def _session_key(app: web.Application) -> AsyncIterator[None]:
    """The cookies' signing key, shared by every portal process of the studio (see
    core.services.client_state.session_key), fetched before the first request is served."""
    state = app[STATE]
    state.sessions = Sessions(await state.services.client.session_key())
    yield


async def _live_hub(app: web.Application) -> AsyncIterator[None]:
    hub = app[HUB]
    await hub.start()
    yield
    await hub.stop()
