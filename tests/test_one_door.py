"""Edges (ui, portal, app) reach core through `Services` only: the services, a subscribe-only
feed of events and named paths. Nothing hands them the database (import-linter keeps them from
importing it; this keeps them from reaching it through an object)."""

from __future__ import annotations

import re
from pathlib import Path

from core.events import EventFeed
from core.services import Services

REPO = Path(__file__).resolve().parent.parent
# `._lazy`: the factories a Services builds its services with hold the catalog's context.
BACKSTAGE = re.compile(r"\.ctx\b|\bcontext_of\b|\bServiceContext\b|\._hub\b|\.publish\(|\._lazy\b")


def test_no_edge_reaches_behind_the_services() -> None:
    offenders = []
    for folder in ("ui", "portal", "app"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if path == REPO / "app" / "bootstrap.py":  # the composition root builds it all
                continue
            for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if BACKSTAGE.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_services_offer_no_database_and_events_only_to_subscribe() -> None:
    fields = set(Services.__annotations__)
    assert "ctx" not in fields and "db" not in fields
    public = {name for name in dir(EventFeed) if not name.startswith("_")}
    assert public == {"subscribe", "subscription", "subscriber_count"}
