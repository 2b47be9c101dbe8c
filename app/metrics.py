"""The studio server's /metrics in Prometheus text format: request latency per route, service
call durations by action and outcome, open live gallery connections, and the sync gauges."""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, Histogram, generate_latest

import sync.server.metrics  # noqa: F401  (registers the sync gauges)
from portal.live import HUB

REQUESTS = Histogram(
    "photoflow_http_request_seconds",
    "Time to answer an HTTP request, by route pattern (never the raw path, which holds tokens)",
    ["method", "route", "status"],
)
SERVICE_CALLS = Histogram(
    "photoflow_service_call_seconds",
    "Duration of core service calls, by action and outcome (ok, refused, denied, failed)",
    ["action", "outcome"],
)
LIVE_CONNECTIONS = Gauge(
    "photoflow_live_connections", "Open live connections of client galleries (WebSockets)"
)


def observe_call(action: str, outcome: str, seconds: float) -> None:
    """Told of every service call (see open_services(on_call=...))."""
    SERVICE_CALLS.labels(action, outcome).observe(seconds)


def route_of(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def measure_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        REQUESTS.labels(request.method, route_of(request), str(status)).observe(
            time.perf_counter() - started
        )


def count_live_connections(app: web.Application) -> None:
    hub = app[HUB]
    LIVE_CONNECTIONS.set_function(lambda: len(hub.connections))


async def metrics(request: web.Request) -> web.Response:
    """GET /metrics."""
    response = web.Response(body=generate_latest(REGISTRY))
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    response.charset = "utf-8"
    return response
