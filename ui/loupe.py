"""The loupe: one photo large, from its 2048 px preview, loaded off the GUI thread (the camera's
embedded preview until an import's second pass has made the 2048).

Space or Escape goes back to the grid; Left/Right move; Z toggles fit and 100 % of the preview;
culling keys work here too.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QKeyEvent, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from core.imaging.previews import preview_path
from core.services.photos import PhotoRow
from ui.thumbnails import LOUPE_SIZE


class _Relay(QObject):
    loaded = Signal(str, QImage, bool)  # preview hash, image, provisional (the embedded one)


class _Read(QRunnable):
    def __init__(self, relay: _Relay, key: str, path: str, fallback: str) -> None:
        super().__init__()
        self.relay, self.key, self.path, self.fallback = relay, key, path, fallback

    def run(self) -> None:
        image = self._read(self.path)
        provisional = image.isNull()
        if provisional:
            image = self._read(self.fallback)
        self.relay.loaded.emit(self.key, image, provisional)

    @staticmethod
    def _read(path: str) -> QImage:
        reader = QImageReader(path)
        reader.setAutoTransform(True)
        return reader.read()


class Loupe(QWidget):
    closed = Signal()
    step = Signal(int)  # -1 previous, +1 next

    def __init__(self, previews_root: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = previews_root
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.photo: PhotoRow | None = None
        self.full = False
        self.pixmap: QPixmap | None = None
        self.provisional = False
        self.key_handler: Any = None
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._relay = _Relay()
        self._relay.loaded.connect(self._on_loaded, Qt.ConnectionType.QueuedConnection)
        self.caption = QLabel(self)
        self.image = QLabel(self)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll = QScrollArea(self)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll.setWidget(self.image)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.scroll, 1)

    def show_photo(self, photo: PhotoRow | None) -> None:
        self.photo = photo
        self.pixmap = None
        self.provisional = False
        self.image.clear()
        if photo is None:
            self.caption.setText("")
            return
        self._caption()
        if not photo.preview_hash:
            self.image.setText("No preview yet for this photo.")
            return
        self.image.setText("Loading…")
        self._load(photo.preview_hash)

    def _load(self, key: str) -> None:
        path = preview_path(self.root, key, LOUPE_SIZE)
        fallback = preview_path(self.root, key, "embedded")
        self.pool.start(_Read(self._relay, key, str(path), str(fallback)))

    def _caption(self) -> None:
        p = self.photo
        if p is None:
            return
        marks = " ".join(
            x
            for x in (
                "★" * p.stars,
                {"pick": "Picked", "reject": "Rejected"}.get(p.flag or ""),
                p.label or "",
            )
            if x
        )
        zoom = "100 %" if self.full else "fit"
        self.caption.setText(f"{p.filename}   {marks}   [{zoom} · Z zoom · Space back]")

    def _on_loaded(self, key: str, image: QImage, provisional: bool) -> None:
        if self.photo is None or self.photo.preview_hash != key:
            return
        if image.isNull():
            if self.pixmap is None:
                self.image.setText("The preview could not be read.")
            return
        self.provisional = provisional
        self.pixmap = QPixmap.fromImage(image)
        self._render()

    def _render(self) -> None:
        if self.pixmap is None:
            return
        if self.full:
            self.scroll.setWidgetResizable(False)
            self.image.setPixmap(self.pixmap)
            self.image.resize(self.pixmap.size())
        else:
            self.scroll.setWidgetResizable(True)
            room = self.scroll.viewport().size() - QSize(4, 4)
            self.image.setPixmap(
                self.pixmap.scaled(
                    room,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if not self.full:
            self._render()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Space, Qt.Key.Key_Escape):
            self.closed.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.step.emit(-1 if key == Qt.Key.Key_Left else 1)
        elif key == Qt.Key.Key_Z:
            self.full = not self.full
            self._caption()
            self._render()
        elif self.key_handler is not None and self.key_handler(event):
            pass
        else:
            super().keyPressEvent(event)

    def update_photo(self, photo: PhotoRow) -> None:
        """The same photo with new marks: update the caption, keep the image (unless it was
        only the embedded preview, or the photo has a new one: then load the new one)."""
        if self.photo is not None and photo.id == self.photo.id:
            changed = photo.preview_hash != self.photo.preview_hash
            self.photo = photo
            self._caption()
            if photo.preview_hash and (changed or self.provisional):
                self._load(photo.preview_hash)
