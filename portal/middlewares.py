"""What every request and response goes through (every route is `guarded`): plain errors (never a
stack trace; 4xx for bad input, a bare 500 for a fault of ours, logged and counted), the CSRF and
Origin check for anything that changes state, and the security headers."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Handler

from core.errors import Conflict, Invalid, NotFound, NotPermitted, PhotoFlowError
from core.services.client import TooManyAttempts, WrongPin
from portal import pages
from portal.security import IMAGE_CSP, csp, new_nonce, origin_matches
from portal.state import GalleryGone, session_of, state_of

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CATCH_ALL = "/{tail}"
NONCE: web.RequestKey[str] = web.RequestKey("nonce", str)
SERVER_ERROR_TEXT = "Something went wrong on our side. Please try again later."


@dataclass
class ServerErrors:
    """Requests the portal failed by a fault of its own (answered 500), in total and by route
    pattern (not by path, so a scan of made-up URLs cannot grow it): for /metrics."""

    total: int = 0
    by_route: Counter[str] = field(default_factory=Counter)

    def count(self, route: str) -> None:
        self.total += 1
        self.by_route[route] += 1


SERVER_ERRORS: web.AppKey[ServerErrors] = web.AppKey("server_errors", ServerErrors)


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def _error(request: web.Request, status: int, text: str) -> web.Response:
    if status == 404 and not _is_api(request):
        return pages.not_found()
    if _is_api(request):
        return web.json_response({"error": text}, status=status)
    return pages.message("Sorry", text, status)


def check_csrf(request: web.Request) -> None:
    """State changes need the page's own Origin and, for the API, the session's CSRF token
    (forms carry theirs in a field, checked by their views)."""
    if not origin_matches(request):
        raise web.HTTPForbidden(text="This request did not come from the gallery page.")
    if _is_api(request):
        session = session_of(request)
        if session is None:
            raise GalleryGone()
        token = request.headers.get("X-CSRF-Token")
        if not state_of(request).sessions.csrf_ok(session, token):
            raise web.HTTPForbidden(text="The page has expired; reload it.")


def guarded(handler: Handler) -> Handler:
    """The handler behind the CSRF check, with every failure turned into a plain error.

    Every route is registered through this (portal.routes), including the catch-all that answers
    unknown paths, instead of running an application middleware: aiohttp wraps each middleware
    in a second one of its own, and those two coroutine frames cost a tenth of the throughput of
    a picture request."""

    async def guard(request: web.Request) -> web.StreamResponse:
        try:
            if request.method not in SAFE_METHODS:
                check_csrf(request)
            return await handler(request)
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            return failure(request, exc)

    guard.__name__ = guard.__qualname__ = getattr(handler, "__name__", "handler")
    guard.__doc__ = handler.__doc__
    guard.__wrapped__ = handler  # type: ignore[attr-defined]
    return guard


def failure(request: web.Request, exc: Exception) -> web.StreamResponse:
    """The plain answer to a failed request: never a stack trace; 4xx only for what the request
    got wrong, and anything else is ours to fix: a 500."""
    if isinstance(exc, GalleryGone):
        return _error(request, 404, "This gallery is not available.")
    if isinstance(exc, (NotFound, NotPermitted)):
        return _error(request, 404, str(exc) if _is_api(request) else "")
    if isinstance(exc, TooManyAttempts):
        response = _error(request, 429, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, WrongPin):
        return _error(request, 403, str(exc))
    if isinstance(exc, Invalid):
        return _error(request, 400, str(exc))
    if isinstance(exc, Conflict):
        return _error(request, 409, str(exc))
    if isinstance(exc, PhotoFlowError):
        return _error(request, 400, str(exc))
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc  # redirects are aiohttp's to answer
        if exc.status >= 500:
            return server_error(request, exc)
        response = _error(request, exc.status, exc.text or exc.reason)
        for name in ("Allow", "Retry-After"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    return server_error(request, exc)


def server_error(request: web.Request, exc: Exception) -> web.Response:
    """A fault of ours: a bare 500 that says nothing of it, the trace in the log, one more count."""
    route = request.match_info.route.resource
    pattern = route.canonical if route is not None else "?"
    log.error("portal %s %s failed (%s)", request.method, request.path, pattern, exc_info=exc)
    errors = request.app.get(SERVER_ERRORS)
    if errors is not None:
        errors.count(pattern)
    return _error(request, 500, SERVER_ERROR_TEXT)


async def unmatched(request: web.Request) -> web.StreamResponse:
    """The catch-all route: 405 where another route has the path, else the one 404 page."""
    allowed: set[str] = set()
    for resource in request.app.router.resources():
        if resource.canonical != CATCH_ALL:
            allowed |= (await resource.resolve(request))[1]
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed)
    raise web.HTTPNotFound()


def nonce_of(request: web.Request) -> str:
    """This response's script nonce, made when a page first asks for it (pictures never do)."""
    value = request.get(NONCE)
    if value is None:
        value = request[NONCE] = new_nonce()
    return value


# The same on every response; only the CSP differs (a fresh nonce for pages).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
# Headers a picture response is built with, complete: security_headers then has nothing to add.
IMAGE_HEADERS = {"Content-Security-Policy": IMAGE_CSP, **SECURITY_HEADERS}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: every response, error pages and WebSocket handshakes included."""
    headers = response.headers
    headers.pop("Server", None)
    if headers.get("Content-Security-Policy") == IMAGE_CSP:
        return  # built from IMAGE_HEADERS: all of them are there already
    headers["Content-Security-Policy"] = csp(nonce_of(request), request.host)
    headers.update(SECURITY_HEADERS)
    headers.setdefault("Cache-Control", "no-store")
