"""Who is asking the studio server: the Actor is built from the device token alone, so a desktop
cannot claim another user or role whatever else it sends."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aiohttp import web

from core.errors import NotSignedIn
from core.policies import Actor
from core.services import Services

SERVICES: web.AppKey[Services] = web.AppKey("studio_services", Services)
ACTOR: web.RequestKey[Actor] = web.RequestKey("studio_actor", Actor)
TRUSTED_PROXIES: web.AppKey[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]] = web.AppKey(
    "trusted_proxies", tuple
)


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
    peer = request.remote or "unknown"
    trusted = request.app.get(TRUSTED_PROXIES, ())
    forwarded = request.headers.get("X-Forwarded-For")
    if not forwarded or not trusted or not _within(peer, trusted):
        return peer
    # The right-most address no trusted proxy added is the client's.
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _within(hop, trusted):
            return hop if _is_address(hop) else peer
    return peer


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _within(
    address: str, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def trusted_networks(
    cidrs: Iterable[str],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """--trusted-proxy values as networks; a bad one is a ValueError with a sentence."""
    nets = []
    for cidr in cidrs:
        try:
            nets.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"{cidr!r} is not an address or network (such as 10.0.0.0/8)."
            ) from None
    return tuple(nets)
