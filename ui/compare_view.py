"""Compare two photos side by side (C), as Lightroom's compare view: culling keys mark the active
one, Left/Right or a click makes the other one active, C, Space or Escape go back to the grid."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from core.services.photos import PhotoRow
from ui.loupe import Loupe


class CompareView(QWidget):
    closed = Signal()
    marked = Signal(object, object)  # PhotoRow, the key event: mark this photo with this key

    def __init__(self, previews_root: Any, album: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.sides = [Loupe(previews_root, self, album=album) for _ in range(2)]
        self.frames: list[QFrame] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        for loupe in self.sides:
            loupe.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            loupe.installEventFilter(self)
            frame = QFrame(self)
            frame.setObjectName("compareSide")
            inner = QVBoxLayout(frame)
            inner.setContentsMargins(3, 3, 3, 3)
            inner.addWidget(loupe)
            self.frames.append(frame)
            row.addWidget(frame, 1)
        self.active = 0

    @property
    def photos(self) -> list[PhotoRow | None]:
        return [side.photo for side in self.sides]

    def show_pair(self, first: PhotoRow, second: PhotoRow) -> None:
        for side, photo in zip(self.sides, (first, second), strict=True):
            side.show_photo(photo)
        self.set_active(0)

    def update_photo(self, photo: PhotoRow) -> None:
        """New marks on one of the two: their captions follow."""
        for side in self.sides:
            if side.photo is not None and side.photo.id == photo.id:
                side.update_photo(photo)

    def set_active(self, side: int) -> None:
        self.active = side
        for i, frame in enumerate(self.frames):
            colour = "#5a9be0" if i == side else "#333333"
            frame.setStyleSheet(f"QFrame#compareSide {{ border: 2px solid {colour}; }}")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress and watched in self.sides:
            self.set_active(self.sides.index(watched))  # type: ignore[arg-type]
            self.setFocus()
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_Space, Qt.Key.Key_C):
            self.closed.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Tab):
            self.set_active(1 - self.active)
        elif self.sides[self.active].photo is not None:
            self.marked.emit(self.sides[self.active].photo, event)
        else:
            super().keyPressEvent(event)
