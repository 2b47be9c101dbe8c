"""Turning service results into JSON or into lines a photographer reads."""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
import uuid
from datetime import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.services.albums import AlbumSummary
    from core.workflow import Refusal


def plain(value: Any) -> Any:
    """JSON-ready form of dataclasses, enums, ids and timestamps."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | PurePath):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return value


def refusal_json(r: Refusal) -> dict[str, Any]:
    return {
        "code": r.code,
        "message": r.message,
        "photos": [p.filename for p in r.photos],
        "photo_ids": [str(p.id) for p in r.photos],
        "photo_count": r.photo_count,
    }


def album_json(a: AlbumSummary) -> dict[str, Any]:
    return {
        "id": str(a.id),
        "name": a.name,
        "client": a.client,
        "stage": a.stage.value,
        "round": a.round,
        "photo_count": a.photo_count,
        "selected_count": a.selected_count,
        "min_select": a.min_select,
        "max_select": a.max_select,
        "next_stage": a.next_stage.value if a.next_stage else None,
        "blocking": [refusal_json(r) for r in a.blocking],
        "created_at": a.created_at.isoformat(),
        "updated_at": a.updated_at.isoformat(),
    }


def album_text(a: AlbumSummary) -> str:
    limits = f"{a.min_select}..{a.max_select if a.max_select is not None else 'any'}"
    lines = [
        f"{a.name}  [{a.stage.title}, round {a.round}]"
        + (f"  client: {a.client}" if a.client else ""),
        f"  {a.photo_count} photos, {a.selected_count} selected (limits {limits})",
        f"  id {a.id}",
    ]
    if a.next_stage is not None:
        if a.blocking:
            lines.append(f"  Cannot move to {a.next_stage.title} yet:")
            lines += [f"   - {r.message}" for r in a.blocking]
        else:
            lines.append(f"  Ready to move to {a.next_stage.title}.")
    return "\n".join(lines)


def emit(data: Any, text: str, as_json: bool) -> None:
    if as_json:
        json.dump(plain(data), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif text:
        print(text)


def error(message: str, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    if as_json:
        json.dump({"error": message, **(extra or {})}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    print(f"photoflow: {message}", file=sys.stderr)
