"""Who is asking the studio server: the Actor is built from the device token alone, so a desktop
cannot claim another user or role whatever else it sends."""

from __future__ import annotations

from aiohttp import web

from core.errors import NotSignedIn
from core.policies import Actor
from core.proxies import TrustedProxies
from core.services import Services

SERVICES: web.AppKey[Services] = web.AppKey("studio_services", Services)
ACTOR: web.RequestKey[Actor] = web.RequestKey("studio_actor", Actor)
TRUSTED_PROXIES: web.AppKey[TrustedProxies] = web.AppKey("trusted_proxies", TrustedProxies)


def unauthorized(sentence: str) -> web.HTTPUnauthorized:
    """401 with a plain JSON sentence, and the header that says how to sign in."""
    return web.HTTPUnauthorized(
        text=web.json_response({"error": sentence}).text,
        content_type="application/json",
        headers={"WWW-Authenticate": 'Bearer realm="photoflow"'},
    )


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def device_actor(request: web.Request) -> Actor:
    """The signed-in device's Actor, checked now; raises a 401 JSON answer when the token is
    missing, unknown or revoked, or its user or studio may no longer work."""
    found = request.get(ACTOR)
    if found is not None:
        return found
    token = bearer_token(request)
    if token is None:
        raise unauthorized("Sign in first: this request carries no device token.")
    try:
        actor = await request.app[SERVICES].staff.actor_for_device(token)
    except NotSignedIn as exc:
        raise unauthorized(str(exc)) from None
    request[ACTOR] = actor
    return actor


def client_address(request: web.Request) -> str:
    """The caller's address; X-Forwarded-For is believed only from a configured trusted proxy."""
    proxies = request.app.get(TRUSTED_PROXIES) or TrustedProxies()
    return proxies.client_of(request.remote, request.headers.getall("X-Forwarded-For", []))
