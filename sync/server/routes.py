"""The sync API a desktop talks to: push commands, pull changes, send previews up.

    POST /api/v1/commands      {"seen": SEQ?, "commands": [{"key", "action", "args"}, ...]} in the order made
                               -> {"answers": [{"key", "outcome", "message", "state"?}, ...]}
    GET  /api/v1/changes?after=SEQ&limit=N
                               -> {"entries", "albums", "photos", "gone", "newest", "next",
                                   "reset", "studio"?, "users"?}
    POST /api/v1/previews/missing  {"previews": [[hash, size], ...]} -> {"missing": [...]}
    PUT  /api/v1/previews/{hash}?size=512   body: the JPEG -> 201 stored, 200 already there
    POST /api/v1/finals/missing    {"finals": [{facts of a final}, ...]}
                               -> {"missing": [content hash, ...], "rows": N}
    PUT  /api/v1/finals/{hash}?suffix=.jpg&size=BYTES   body: the final's file, streamed
                               -> 201 stored, 200 already there, 400 not what was announced

Who asks is the server's business: `authenticate(request)` resolves the device's actor (or
raises an HTTP error itself). Every answer is JSON; bad input gets a 4xx with a sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar

from aiohttp import web

from core.errors import Invalid, NotFound, NotPermitted, PhotoFlowError
from core.policies import Actor
from core.services import Services
from sync.server.metrics import set_sync_queue

log = logging.getLogger(__name__)

Authenticate = Callable[[web.Request], Awaitable[Actor]]
MAX_BATCH = 500
LONGEST_WAIT_S = 55.0  # below the usual 60 s idle timeout of proxies in front
MAX_BODY = 16 * 1024 * 1024
MAX_FINALS = 2000  # facts of finals asked about at once
FINAL_CHUNK = 1024 * 1024


def _problem(status: int, sentence: str) -> web.Response:
    return web.json_response({"error": sentence}, status=status)


def _status(exc: PhotoFlowError) -> int:
    if isinstance(exc, NotPermitted):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Invalid):
        return 400
    return 409


class Replaying:
    """The batches being replayed in this process, for /metrics: how many commands wait, and the
    sync's lag: how long before its arrival the oldest command of the latest batch was made on
    its desktop (a desktop back from a day offline shows a day)."""

    batches: ClassVar[dict[int, int]] = {}
    lag_s: ClassVar[float] = 0.0

    def __init__(self, commands: list[dict[str, Any]]) -> None:
        now = time.time()
        made = [m for m in (_made_at(c.get("made_at")) for c in commands) if m is not None]
        Replaying.lag_s = max(0.0, now - min(made)) if made else 0.0
        Replaying.batches[id(self)] = len(commands)
        self._tell()

    def done(self) -> None:
        Replaying.batches.pop(id(self), None)
        self._tell()

    @staticmethod
    def _tell() -> None:
        set_sync_queue(sum(Replaying.batches.values()), Replaying.lag_s)


def _made_at(value: Any) -> float | None:
    """When a command was made on its desktop (ISO 8601), as a POSIX time; None if unsaid."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def add_sync_routes(app: web.Application, services: Services, authenticate: Authenticate) -> None:
    """Mount the sync API on `app` (the studio server's, or a test's)."""

    def handler(
        work: Callable[[web.Request, Actor], Awaitable[web.StreamResponse]],
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            try:
                actor = await authenticate(request)
                return await work(request, actor)
            except web.HTTPException:
                raise
            except ConnectionResetError:  # the desktop went away; its retry gets the answers
                log.info("sync request %s %s: the desktop hung up", request.method, request.path)
                raise
            except PhotoFlowError as exc:
                return _problem(_status(exc), str(exc) or "The request was not done.")
            except Exception:
                log.exception("sync request %s %s failed", request.method, request.path)
                return _problem(500, "The server failed on this request; nothing was lost.")

        return handle

    async def push(request: web.Request, actor: Actor) -> web.Response:
        body = await _json_body(request)
        commands = body.get("commands") if isinstance(body, dict) else None
        if not isinstance(commands, list) or len(commands) > MAX_BATCH:
            raise Invalid(f"Send {{'commands': [...]}} with at most {MAX_BATCH} commands.")
        for command in commands:
            if not (
                isinstance(command, dict)
                and isinstance(command.get("key"), str)
                and isinstance(command.get("action"), str)
                and isinstance(command.get("args"), dict)
            ):
                raise Invalid("Each command has a key, an action and its args (an object).")
        seen = body.get("seen")
        if seen is not None and (not isinstance(seen, int) or seen < 0):
            raise Invalid("seen is the last change the desktop pulled: a whole number.")
        replaying = Replaying(commands)
        try:
            answers = await services.sync.replay_batch(
                actor, [(c["key"], c["action"], c["args"]) for c in commands], seen
            )
        finally:
            replaying.done()
        return web.json_response({"answers": [a.as_json() for a in answers]})

    async def pull(request: web.Request, actor: Actor) -> web.Response:
        try:
            after = int(request.query.get("after", "0"))
            limit = int(request.query.get("limit", "1000"))
        except ValueError:
            raise Invalid("after and limit are whole numbers.") from None
        return web.json_response(await services.sync.changes(actor, after, limit))

    async def newer(request: web.Request, actor: Actor) -> web.Response:
        """GET /api/v1/changes/newer?after=N&timeout=S: answers as soon as the studio has a change
        after N (or after S seconds, at most 55), so a desktop pulls a client's pick or a
        colleague's move the moment it is made instead of at its next round."""
        try:
            after = int(request.query.get("after", "0"))
            timeout = min(float(request.query.get("timeout", "25")), LONGEST_WAIT_S)
        except ValueError:
            raise Invalid("after is a whole number and timeout a number of seconds.") from None
        if after < 0 or not timeout >= 0:
            raise Invalid("after is 0 or more and timeout a number of seconds.")
        # Listening first, then looking: a change made in between is heard, not missed.
        with services.events.subscription(actor.tenant_id) as heard:
            newest = await services.sync.newest(actor)
            if newest <= after:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        async for event in heard:
                            if event.seq is not None and event.seq > after:
                                newest = event.seq
                                break
        return web.json_response({"newest": newest})

    async def missing(request: web.Request, actor: Actor) -> web.Response:
        body = await _json_body(request)
        wanted = body.get("previews") if isinstance(body, dict) else None
        if not isinstance(wanted, list) or len(wanted) > 5000:
            raise Invalid("Send {'previews': [[hash, size], ...]} with at most 5000 of them.")
        pairs = []
        for item in wanted:
            if not (isinstance(item, list) and len(item) == 2):
                raise Invalid("Each preview is named by [content hash, size].")
            pairs.append((str(item[0]), str(item[1])))
        return web.json_response({"missing": await services.sync.previews_missing(actor, pairs)})

    async def put_preview(request: web.Request, actor: Actor) -> web.Response:
        size = request.query.get("size", "")
        data = await request.read()
        stored = await services.sync.put_preview(actor, request.match_info["hash"], size, data)
        return web.json_response({"stored": stored}, status=201 if stored else 200)

    async def finals_missing(request: web.Request, actor: Actor) -> web.Response:
        body = await _json_body(request)
        finals = body.get("finals") if isinstance(body, dict) else None
        if not isinstance(finals, list) or len(finals) > MAX_FINALS:
            raise Invalid(f"Send {{'finals': [...]}} with at most {MAX_FINALS} of them.")
        missing, rows = await services.shared_finals.missing(actor, finals)
        return web.json_response({"missing": missing, "rows": rows})

    async def put_final(request: web.Request, actor: Actor) -> web.Response:
        try:
            size = int(request.query.get("size", ""))
        except ValueError:
            raise Invalid("size is the final's length in bytes.") from None
        if request.content_length is not None and request.content_length != size:
            raise Invalid("The body's length is not the size announced.")
        stored = await services.shared_finals.receive(
            actor,
            request.match_info["hash"],
            request.query.get("suffix", ""),
            size,
            request.content.iter_chunked(FINAL_CHUNK),
        )
        return web.json_response({"stored": stored}, status=201 if stored else 200)

    app.router.add_post("/api/v1/commands", handler(push))
    app.router.add_get("/api/v1/changes", handler(pull))
    app.router.add_get("/api/v1/changes/newer", handler(newer))
    app.router.add_post("/api/v1/previews/missing", handler(missing))
    app.router.add_put("/api/v1/previews/{hash}", handler(put_preview))
    app.router.add_post("/api/v1/finals/missing", handler(finals_missing))
    app.router.add_put("/api/v1/finals/{hash}", handler(put_final))


async def _json_body(request: web.Request) -> Any:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise Invalid("That request is too large; send fewer commands at a time.")
    try:
        return json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        raise Invalid("The request body is not JSON.") from None
