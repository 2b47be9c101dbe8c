"""Culling keys as Lightroom and Photo Mechanic users know them, and the undo of marks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from PySide6.QtCore import Qt

LABEL_KEYS = {
    Qt.Key.Key_6: "Red",
    Qt.Key.Key_7: "Yellow",
    Qt.Key.Key_8: "Green",
    Qt.Key.Key_9: "Blue",
}
STAR_KEYS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(6)}
FLAG_KEYS = {Qt.Key.Key_P: "pick", Qt.Key.Key_X: "reject", Qt.Key.Key_U: None}


def mark_for_key(key: int) -> tuple[str, object] | None:
    """(field, value) a key sets, or None when the key is not a culling key."""
    if key in STAR_KEYS:
        return "stars", STAR_KEYS[key]
    if key in FLAG_KEYS:
        return "flag", FLAG_KEYS[key]
    if key in LABEL_KEYS:
        return "label", LABEL_KEYS[key]
    return None


@dataclass(frozen=True)
class MarkChange:
    photo_id: uuid.UUID
    field: str  # stars | flag | label | selected
    before: object
    after: object


class MarkHistory:
    """Each culling action (possibly on several photos) is one undo step."""

    def __init__(self, limit: int = 500) -> None:
        self._steps: list[list[MarkChange]] = []
        self.limit = limit

    def push(self, step: list[MarkChange]) -> None:
        if step:
            self._steps.append(step)
            del self._steps[: -self.limit]

    def pop(self) -> list[MarkChange] | None:
        return self._steps.pop() if self._steps else None

    def clear(self) -> None:
        self._steps.clear()

    def __len__(self) -> int:
        return len(self._steps)
