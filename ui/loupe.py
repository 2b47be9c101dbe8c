"""The loupe: one photo large, from its 2048 px preview, loaded off the GUI thread (a smaller stand-in
until an import has made the 2048: the grid thumbnail, else the camera's embedded preview).

Space or Escape goes back to the grid; Left/Right move; culling keys work here too. Z toggles fit
and 100 %: the original file read off the GUI thread (EXIF orientation applied) and shown 1:1,
centred on the spot that was in the middle. Originals Qt cannot decode (RAW, HEIC) show the preview
at 100 % instead, and the caption says so. The full-size image is dropped as soon as the loupe
leaves 100 % or moves to another photo; moving keeps the zoom and loads the next original.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from PySide6.QtCore import QObject, QPoint, QRunnable, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader, QKeyEvent, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from core.imaging.errors import NotAPhoto
from core.imaging.formats import PhotoKind, sniff_file
from core.imaging.previews import preview_path
from core.services.photos import PhotoDetail, PhotoRow
from ui.studio import Studio
from ui.thumbnails import GRID_SIZE, LOUPE_SIZE

NOT_DECODABLE = "the original is RAW/HEIC"
NOT_AVAILABLE = "the original is not available"


class AlbumSource(Protocol):
    """Where the loupe finds originals: the studio and the open album (the grid is one)."""

    studio: Studio
    album_id: uuid.UUID | None


class _Relay(QObject):
    loaded = Signal(str, QImage, bool)  # preview hash, image, provisional (a smaller stand-in)
    original = Signal(int, QImage, str)  # request number, image, why it is null ("" if not)


class _Read(QRunnable):
    def __init__(self, relay: _Relay, key: str, path: str, stand_ins: tuple[str, ...]) -> None:
        super().__init__()
        self.relay, self.key, self.path, self.stand_ins = relay, key, path, stand_ins

    def run(self) -> None:
        image = self._read(self.path)
        provisional = image.isNull()
        for stand_in in self.stand_ins if provisional else ():
            image = self._read(stand_in)
            if not image.isNull():
                break
        self.relay.loaded.emit(self.key, image, provisional)

    @staticmethod
    def _read(path: str) -> QImage:
        reader = QImageReader(path)
        reader.setAutoTransform(True)
        return reader.read()


class _ReadOriginal(QRunnable):
    def __init__(self, relay: _Relay, request: int, path: str) -> None:
        super().__init__()
        self.relay, self.request, self.path = relay, request, path

    def run(self) -> None:
        image, why = self._read()
        self.relay.original.emit(self.request, image, why)

    def _read(self) -> tuple[QImage, str]:
        try:
            kind = sniff_file(self.path)
        except (OSError, NotAPhoto):
            return QImage(), NOT_AVAILABLE
        # RAWs are TIFF inside: Qt would show their small embedded thumbnail as if it were the photo.
        if kind in (PhotoKind.RAW, PhotoKind.HEIF):
            return QImage(), NOT_DECODABLE
        reader = QImageReader(self.path)
        reader.setAutoTransform(True)
        size = reader.size()
        if size.width() * size.height() * 4 > QImageReader.allocationLimit() * 2**20:
            return QImage(), "the original is too large to show here"
        image = reader.read()
        return image, "" if not image.isNull() else "the original could not be read"


class Loupe(QWidget):
    closed = Signal()
    step = Signal(int)  # -1 previous, +1 next

    def __init__(
        self,
        previews_root: Any,
        parent: QWidget | None = None,
        album: AlbumSource | None = None,
    ) -> None:
        super().__init__(parent)
        self.root = previews_root
        self.album = album  # without it, Z shows 100 % of the preview
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.photo: PhotoRow | None = None
        self.full = False
        self.pixmap: QPixmap | None = None
        self.provisional = False
        self.original: QPixmap | None = None  # only while at 100 %
        # At 100 %: None while the original is on its way (or shown), else why the preview is shown.
        self.why_preview: str | None = None
        self.key_handler: Any = None
        self._request = 0  # the current original's request; older answers are dropped
        self._anchor = (0.5, 0.5)  # the spot (fractions of the photo) to centre at 100 %
        self._one_to_one = False  # the label shows a pixmap at 1:1
        self._layouts = 0  # 1:1 showings so far; a late centring of an older one does nothing
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.originals = QThreadPool(self)  # apart, so a slow original never delays a preview
        self.originals.setMaxThreadCount(1)
        self._relay = _Relay()
        self._relay.loaded.connect(self._on_loaded, Qt.ConnectionType.QueuedConnection)
        self._relay.original.connect(self._on_original, Qt.ConnectionType.QueuedConnection)
        self.caption = QLabel(self)
        self.image = QLabel(self)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.area = QScrollArea(self)  # not "scroll": that is a QWidget method
        self.area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.area.setWidget(self.image)
        self.area.setWidgetResizable(True)
        self.area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.area, 1)

    def show_photo(self, photo: PhotoRow | None) -> None:
        if self._one_to_one:
            self._anchor = self._spot()  # the next photo opens at the same place, for comparing
        self._drop_original()
        self.photo = photo
        self.pixmap = None
        self.provisional = False
        self._one_to_one = False
        self.image.clear()
        if photo is None:
            self.caption.setText("")
            return
        if self.full:
            self._fetch_original()
        self._caption()
        if not photo.preview_hash:
            self.image.setText("No preview yet for this photo.")
            return
        self.image.setText("Loading…")
        self._load(photo.preview_hash)

    def _load(self, key: str) -> None:
        path = preview_path(self.root, key, LOUPE_SIZE)
        # Until the import's loupe pass gets to it: the grid thumbnail, else the camera's own.
        stand_ins = tuple(str(preview_path(self.root, key, s)) for s in (GRID_SIZE, "embedded"))
        self.pool.start(_Read(self._relay, key, str(path), stand_ins))

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
        if not self.full:
            zoom = "fit"
        elif self.original is not None:
            zoom = "100 %"
        elif self.why_preview is None:
            zoom = "100 % · loading the original…"
        else:
            zoom = "100 % of the preview" + (f" ({self.why_preview})" if self.why_preview else "")
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
        if self.original is not None:
            return  # the original is on screen; keep the preview for when the loupe goes to fit
        if self._one_to_one:
            self._anchor = self._spot()
        self._render()

    # 100 % from the original

    def _fetch_original(self) -> None:
        self._request += 1
        request, photo, album = self._request, self.photo, self.album
        if album is None or album.album_id is None or photo is None:
            self.why_preview = ""  # a loupe without an album: the preview is all there is
            return
        studio = album.studio
        studio.jobs.run(
            studio.services.photos.detail(studio.actor, album.album_id, photo.id),
            lambda detail: self._on_detail(request, detail),
            lambda _text, _exc: self._on_original(request, QImage(), NOT_AVAILABLE),
        )

    def _on_detail(self, request: int, detail: PhotoDetail) -> None:
        if request != self._request:
            return
        if detail.original_path is None:
            self._on_original(request, QImage(), "there is no original for this photo")
            return
        self.originals.start(_ReadOriginal(self._relay, request, str(detail.original_path)))

    def _on_original(self, request: int, image: QImage, why: str) -> None:
        if request != self._request or not self.full:
            return  # the loupe moved on or zoomed out meanwhile: let the image go
        if image.isNull():
            self.why_preview = why or "the original could not be read"
        else:
            self.original = QPixmap.fromImageInPlace(image)  # shares the pixels: no second copy
        self._caption()
        self._render()

    def _drop_original(self) -> None:
        """Forget the full-size image and any read of it still to come."""
        self._request += 1
        self.originals.clear()  # reads not started yet; a running one is dropped on arrival
        self.original = None
        self.why_preview = None

    def _spot(self) -> tuple[float, float]:
        """The spot of the photo in the middle of the view, as fractions of its width and height."""
        shown = self.image.pixmap()
        if shown.isNull():
            return self._anchor
        size = shown.deviceIndependentSize()
        viewport = self.area.viewport()
        middle = self.image.mapFrom(viewport, QPoint(viewport.width() // 2, viewport.height() // 2))
        left = (self.image.width() - size.width()) / 2
        top = (self.image.height() - size.height()) / 2
        return (
            min(1.0, max(0.0, (middle.x() - left) / size.width())),
            min(1.0, max(0.0, (middle.y() - top) / size.height())),
        )

    def _render(self) -> None:
        if self.full and self.original is not None:
            self._show_one_to_one(self.original)
        elif self.full and self.why_preview is not None and self.pixmap is not None:
            self._show_one_to_one(self.pixmap)
        elif self.pixmap is not None:
            self._one_to_one = False
            self.area.setWidgetResizable(True)
            room = self.area.viewport().size() - QSize(4, 4)
            fitted = self.pixmap.scaled(
                room, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
            fitted.setDevicePixelRatio(1.0)  # the preview may have been shown at 1:1 on HiDPI
            self.image.setPixmap(fitted)

    def _show_one_to_one(self, pixmap: QPixmap) -> None:
        """One image pixel per screen pixel, with the anchor in the middle of the view."""
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        size = pixmap.deviceIndependentSize().toSize()
        self._one_to_one = True
        self.area.setWidgetResizable(False)
        self.image.setPixmap(pixmap)
        self.image.resize(size)
        self._centre()
        # The scroll area shows or hides its bars in a queued call, which shrinks the view: centre
        # again once that is done (the same anchor, unless something else is shown by then).
        self._layouts += 1
        layout = self._layouts
        QTimer.singleShot(0, self, lambda: self._centre() if layout == self._layouts else None)

    def _centre(self) -> None:
        for bar, spot in zip(
            (self.area.horizontalScrollBar(), self.area.verticalScrollBar()),
            self._anchor,
            strict=True,
        ):
            bar.setValue(round(spot * (bar.maximum() + bar.pageStep()) - bar.pageStep() / 2))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if not self._one_to_one:
            self._render()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Space, Qt.Key.Key_Escape):
            self.closed.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.step.emit(-1 if key == Qt.Key.Key_Left else 1)
        elif key == Qt.Key.Key_Z:
            self.toggle_zoom()
        elif self.key_handler is not None and self.key_handler(event):
            pass
        else:
            super().keyPressEvent(event)

    def toggle_zoom(self) -> None:
        if self.full:
            self.full = False
            self._drop_original()
        else:
            self._anchor = self._spot()
            self.full = True
            self._fetch_original()
        self._caption()
        self._render()

    def update_photo(self, photo: PhotoRow) -> None:
        """The same photo with new marks: update the caption, keep the image (unless it was
        only the embedded preview, or the photo has a new one: then load the new one)."""
        if self.photo is not None and photo.id == self.photo.id:
            changed = photo.preview_hash != self.photo.preview_hash
            self.photo = photo
            self._caption()
            if photo.preview_hash and (changed or self.provisional):
                self._load(photo.preview_hash)
