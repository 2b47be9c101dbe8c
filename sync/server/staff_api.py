"""The studio server's staff API under /api/v1/: accept an invite, sign in, who am I, sign out,
and an admin's invites and devices. Every answer is JSON; every failure a plain sentence."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from core.errors import (
    Conflict,
    Invalid,
    NotFound,
    NotPermitted,
    NotSignedIn,
    PhotoFlowError,
    TooManySignIns,
)
from core.policies import Actor
from core.services import Services
from sync.server.auth import bearer_token, client_address

log = logging.getLogger(__name__)

Authenticate = Callable[[web.Request], Awaitable[Actor]]
API = "/api/v1"
SERVER_ERROR = (
    "Something went wrong on the studio server; nothing was changed. Its log has details."
)


def json_error(status: int, sentence: str, **headers: str) -> web.Response:
    return web.json_response({"error": sentence}, status=status, headers=headers or None)


def answered(handler: Handler) -> Handler:
    """The handler with every failure turned into a plain JSON answer, never a stack trace."""

    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise
        except web.HTTPException as exc:
            if exc.content_type == "application/json" or exc.status < 400:
                raise
            return json_error(exc.status, exc.text or exc.reason)
        except TooManySignIns as exc:
            return json_error(429, str(exc), **{"Retry-After": str(exc.retry_after)})
        except NotSignedIn as exc:
            return json_error(401, str(exc))
        except NotPermitted as exc:
            return json_error(403, str(exc))
        except NotFound as exc:
            return json_error(404, str(exc))
        except Conflict as exc:
            return json_error(409, str(exc))
        except (Invalid, PhotoFlowError) as exc:
            return json_error(400, str(exc))
        except Exception:
            log.exception("studio server %s %s failed", request.method, request.path)
            return json_error(500, SERVER_ERROR)

    answer.__name__ = answer.__qualname__ = getattr(handler, "__name__", "handler")
    return answer


async def body_of(request: web.Request, *fields: str) -> dict[str, str]:
    """The JSON object sent, with these fields as text; a plain 400 otherwise."""
    try:
        data: Any = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Invalid("The request body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise Invalid("The request body must be a JSON object.")
    missing = [f for f in fields if not isinstance(data.get(f), str) or not data[f]]
    if missing:
        raise Invalid(f"Say {', '.join(missing)} (as text).")
    return data


def actor_json(actor: Actor) -> dict[str, Any]:
    return {
        "user_id": str(actor.user_id),
        "email": actor.email,
        "name": actor.name,
        "role": actor.role.value,
        "tenant_id": str(actor.tenant_id),
    }


def add_staff_routes(app: web.Application, services: Services, authenticate: Authenticate) -> None:
    staff = services.staff

    async def accept(request: web.Request) -> web.Response:
        data = await body_of(request, "code", "password")
        actor = await staff.accept(data["code"], data["password"], client=client_address(request))
        return web.json_response(actor_json(actor))

    async def sign_in(request: web.Request) -> web.Response:
        data = await body_of(request, "email", "password", "device")
        signed = await staff.sign_in(
            data["email"], data["password"], data["device"], client=client_address(request)
        )
        return web.json_response(
            {
                "token": signed.token,
                "device": signed.device.as_json(),
                **actor_json(signed.actor),
            }
        )

    async def me(request: web.Request) -> web.Response:
        return web.json_response(actor_json(await authenticate(request)))

    async def sign_out(request: web.Request) -> web.Response:
        actor = await authenticate(request)
        await staff.sign_out(actor, bearer_token(request) or "")
        return web.json_response({"signed_out": True})

    async def invite(request: web.Request) -> web.Response:
        actor = await authenticate(request)
        data = await body_of(request, "email", "role")
        made = await staff.invite(actor, data["email"], data["role"], str(data.get("name") or ""))
        return web.json_response(
            {
                "email": made.email,
                "role": made.role.value,
                "code": made.code,
                "expires_at": made.expires_at.isoformat(),
            },
            status=201,
        )

    async def devices(request: web.Request) -> web.Response:
        actor = await authenticate(request)
        return web.json_response([d.as_json() for d in await staff.devices(actor)])

    async def revoke(request: web.Request) -> web.Response:
        actor = await authenticate(request)
        device = await staff.revoke_device(actor, request.match_info["device_id"])
        return web.json_response(device.as_json())

    router = app.router
    router.add_post(f"{API}/invites/accept", answered(accept))
    router.add_post(f"{API}/sign-in", answered(sign_in))
    router.add_get(f"{API}/me", answered(me))
    router.add_post(f"{API}/sign-out", answered(sign_out))
    router.add_post(f"{API}/invites", answered(invite))
    router.add_get(f"{API}/devices", answered(devices))
    router.add_post(f"{API}/devices/{{device_id}}/revoke", answered(revoke))
