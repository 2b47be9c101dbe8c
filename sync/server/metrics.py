"""Sync figures the studio server's /metrics shows, set by the sync code where it knows them.

They live here, not in app/, because sync may import only core (and libraries): the server's
/metrics (app/metrics.py) exposes the default registry, these included.
"""

from __future__ import annotations

from prometheus_client import Gauge

SYNC_QUEUE = Gauge(
    "photoflow_sync_queue_commands",
    "Commands from desktops received and not yet applied",
)
SYNC_LAG = Gauge(
    "photoflow_sync_lag_seconds",
    "How long before it reached the server the oldest command of the latest batch was made",
)


def set_sync_queue(length: int, lag_seconds: float) -> None:
    """What the sync side calls whenever its queue changes."""
    SYNC_QUEUE.set(max(0, length))
    SYNC_LAG.set(max(0.0, lag_seconds))
