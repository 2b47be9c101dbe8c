"""What each guest of a client link did to each photo: picked it, gave it stars, said something.

The studio reads it per guest (a couple choosing together picks differently), in the inspector,
the grid's badges and `photo list --json`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Feedback

UNNAMED = "a guest"


@dataclass(frozen=True)
class GuestActivity:
    guest: str
    picked: bool
    stars: int | None
    comments: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "guest": self.guest,
            "picked": self.picked,
            "stars": self.stars,
            "comments": list(self.comments),
        }


async def guest_activity(
    session: AsyncSession, album_id: uuid.UUID, photo_id: uuid.UUID | None = None
) -> dict[uuid.UUID, tuple[GuestActivity, ...]]:
    """Per photo, each guest's current pick, stars and comments (retracted ones left out),
    guests in the order they first spoke."""
    query = select(
        Feedback.photo_id, Feedback.guest_name, Feedback.kind, Feedback.stars, Feedback.text
    ).where(
        Feedback.album_id == album_id,
        Feedback.retracted_at.is_(None),
        Feedback.kind.in_(("pick", "stars", "comment")),
        Feedback.link_id.is_not(None),
    )
    if photo_id is not None:
        query = query.where(Feedback.photo_id == photo_id)
    rows = await session.execute(query.order_by(Feedback.created_at))
    marks: dict[uuid.UUID, dict[str, dict[str, object]]] = defaultdict(dict)
    for pid, name, kind, stars, text in rows:
        guest = marks[pid].setdefault(
            name or UNNAMED, {"picked": False, "stars": None, "comments": []}
        )
        if kind == "pick":
            guest["picked"] = True
        elif kind == "stars":
            guest["stars"] = stars or None
        elif text:
            guest["comments"].append(text)  # type: ignore[attr-defined]
    return {
        pid: tuple(
            GuestActivity(name, bool(m["picked"]), m["stars"], tuple(m["comments"]))  # type: ignore[arg-type]
            for name, m in guests.items()
        )
        for pid, guests in marks.items()
    }


async def client_stars(
    session: AsyncSession, album_id: uuid.UUID, photo_ids: Collection[uuid.UUID] | None = None
) -> dict[str, float]:
    """The guests' mean stars per photo (by the photo id's hex), for the grid's badge."""
    query = select(Feedback.photo_id, func.avg(Feedback.stars)).where(
        Feedback.album_id == album_id,
        Feedback.retracted_at.is_(None),
        Feedback.kind == "stars",
        Feedback.stars > 0,
    )
    if photo_ids is not None:
        query = query.where(Feedback.photo_id.in_(photo_ids))
    rows = await session.execute(query.group_by(Feedback.photo_id))
    return {pid.hex: round(float(mean), 1) for pid, mean in rows}
