"""What every request and response goes through: plain errors (never a stack trace, never a 5xx),
the CSRF and Origin check for anything that changes state, and the security headers."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from core.errors import Conflict, Invalid, NotFound, NotPermitted, PhotoFlowError
from core.services.client import TooManyAttempts, WrongPin
from portal import pages
from portal.security import csp, new_nonce, origin_matches
from portal.state import GalleryGone, session_of, state_of

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
NONCE: web.RequestKey[str] = web.RequestKey("nonce", str)


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def _error(request: web.Request, status: int, text: str) -> web.Response:
    if status == 404 and not _is_api(request):
        return pages.not_found()
    if _is_api(request):
        return web.json_response({"error": text}, status=status)
    return pages.message("Sorry", text, status)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except GalleryGone:
        return _error(request, 404, "This gallery is not available.")
    except (NotFound, NotPermitted) as exc:
        return _error(request, 404, str(exc) if _is_api(request) else "")
    except TooManyAttempts as exc:
        response = _error(request, 429, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except WrongPin as exc:
        return _error(request, 403, str(exc))
    except Invalid as exc:
        return _error(request, 400, str(exc))
    except Conflict as exc:
        return _error(request, 409, str(exc))
    except PhotoFlowError as exc:
        return _error(request, 400, str(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.status >= 500:
            log.error("portal %s %s answered %s", request.method, request.path, exc.status)
            return _error(request, 400, "This request could not be handled.")
        response = _error(request, exc.status, exc.text or exc.reason)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
        raise
    except Exception:
        log.exception("portal %s %s failed", request.method, request.path)
        return _error(request, 400, "This request could not be handled.")


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    """State changes need the page's own Origin and, for the API, the session's CSRF token
    (forms carry theirs in a field, checked by their views)."""
    if request.method not in SAFE_METHODS:
        if not origin_matches(request):
            raise web.HTTPForbidden(text="This request did not come from the gallery page.")
        if _is_api(request):
            session = session_of(request)
            if session is None:
                raise GalleryGone()
            token = request.headers.get("X-CSRF-Token")
            if not state_of(request).sessions.csrf_ok(session, token):
                raise web.HTTPForbidden(text="The page has expired; reload it.")
    return await handler(request)


@web.middleware
async def nonce(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[NONCE] = new_nonce()
    return await handler(request)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: every response, error pages and WebSocket handshakes included."""
    headers = response.headers
    headers["Content-Security-Policy"] = csp(request.get(NONCE) or new_nonce(), request.host)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    headers.setdefault("Cache-Control", "no-store")
    headers.pop("Server", None)


MIDDLEWARES = [errors, nonce, csrf]
