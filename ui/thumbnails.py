"""Thumbnails off the GUI thread: JPEG previews decoded in a thread pool into an LRU pixmap cache.

A worker reads the 512 px preview with `QImageReader`, letting libjpeg scale while decoding to the
grid's cell size, and hands a `QImage` back by a queued signal; the GUI thread turns it into a
`QPixmap` (pixmaps may only be made there). Newer requests run first, so the photos on screen
after a fast scroll load before the ones scrolled past, and a request that has fallen more than
`BACKLOG` behind the newest is dropped, unread, when its turn comes: a fling through 50,000 photos
must not leave 50,000 decodes queued. The GUI thread is not told (thousands of drops would arrive
in one frame); a paint that still wants a dropped photo sees its request is stale and asks again.

While an import's second pass has not made the 512 yet, the worker falls back to the preview the
camera embedded (written in the first pass). Such a pixmap is provisional: `refresh()` (the
photo's `photo.previews` event) makes the next paint load the real one, still showing the
embedded picture meanwhile, so the cell never flashes back to a placeholder.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from core.imaging.previews import preview_path

GRID_SIZE = 512
LOUPE_SIZE = 2048
BACKLOG = 512  # more than the largest screen shows at the smallest cell size


class _Relay(QObject):
    loaded = Signal(str, QImage, bool)  # preview hash, image (null when none), provisional

    def __init__(self) -> None:
        super().__init__()
        self.newest = 0  # the newest request's number, read by the loader threads


class _Load(QRunnable):
    def __init__(self, relay: _Relay, root: Path, key: str, fit: QSize, number: int) -> None:
        super().__init__()
        self.relay, self.root, self.key, self.fit, self.number = relay, root, key, fit, number
        self.setAutoDelete(True)

    def run(self) -> None:
        if self.relay.newest - self.number > BACKLOG:
            return  # scrolled past long ago; asked again if it is still wanted
        # The paths are made here, not in the GUI thread: pathlib costs more than the paint.
        real, embedded = thumbnail_paths(self.root, self.key)
        image = self._read(real)
        provisional = image.isNull() and embedded.exists()
        if provisional:
            image = self._read(embedded)
        self.relay.loaded.emit(self.key, image, provisional)

    def _read(self, path: Path) -> QImage:
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid() and self.fit.isValid():
            reader.setScaledSize(size.scaled(self.fit, Qt.AspectRatioMode.KeepAspectRatio))
        return reader.read()


def thumbnail_paths(previews_root: Path, preview_hash: str) -> tuple[Path, Path]:
    """The real grid preview, then the camera's embedded one to show until the real one exists."""
    return (
        preview_path(previews_root, preview_hash, GRID_SIZE),
        preview_path(previews_root, preview_hash, "embedded"),
    )


class ThumbnailCache(QObject):
    """Pixmaps by preview hash, at most `limit_bytes` of them; `ready` says one arrived."""

    ready = Signal(str)

    def __init__(
        self,
        previews_root: Path,
        fit: QSize,
        *,
        limit_bytes: int = 256 * 1024 * 1024,
        pool: QThreadPool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.root = previews_root
        self.fit = fit
        self.limit_bytes = limit_bytes
        self.pool = pool or QThreadPool(self)
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._bytes = 0
        self._pending: dict[str, int] = {}  # hash -> its request's number
        self._missing: set[str] = set()
        self._provisional: set[str] = set()  # cached from the embedded preview
        self._stale: set[str] = set()  # provisional, and the real preview may exist now
        self._order = itertools.count()
        self._relay = _Relay()
        self._relay.loaded.connect(self._on_loaded, Qt.ConnectionType.QueuedConnection)

    def get(self, preview_hash: str | None) -> QPixmap | None:
        """The pixmap if cached; otherwise asks for it (once) and returns None."""
        if not preview_hash or preview_hash in self._missing:
            return None
        pixmap = self._pixmaps.get(preview_hash)
        if pixmap is not None:
            self._pixmaps.move_to_end(preview_hash)
            if preview_hash in self._stale:
                self._stale.discard(preview_hash)
                self._request(preview_hash)
            return pixmap
        self._request(preview_hash)
        return None

    def _request(self, preview_hash: str) -> None:
        asked = self._pending.get(preview_hash)
        if asked is None or self._relay.newest - asked > BACKLOG:  # never, or maybe dropped
            # Newest request first: the photos on screen now beat the ones scrolled past.
            number = self._relay.newest = next(self._order)
            self._pending[preview_hash] = number
            self.pool.start(_Load(self._relay, self.root, preview_hash, self.fit, number), number)
            if len(self._pending) > 4 * BACKLOG:  # forget the dropped ones, now and then
                self._pending = {k: n for k, n in self._pending.items() if number - n <= BACKLOG}

    def put(self, preview_hash: str, image: QImage) -> None:
        self._on_loaded(preview_hash, image, False)

    def refresh(self, preview_hash: str) -> None:
        """The real previews of this hash are ready: the next paint loads them."""
        self._missing.discard(preview_hash)
        if preview_hash in self._provisional:
            self._stale.add(preview_hash)

    def is_provisional(self, preview_hash: str) -> bool:
        return preview_hash in self._provisional

    def forget_pending(self) -> None:
        """Drop queued loads (a new album opened); what is already decoded stays cached."""
        self.pool.clear()
        self._pending.clear()

    def forget_missing(self) -> None:
        """A re-read of the album: look again for what was missing or only embedded."""
        self._missing.clear()
        self._stale |= self._provisional

    @property
    def pending(self) -> int:
        newest = self._relay.newest
        return sum(1 for n in self._pending.values() if newest - n <= BACKLOG)

    def __len__(self) -> int:
        return len(self._pixmaps)

    def __contains__(self, preview_hash: object) -> bool:
        """A pixmap is cached for this hash: a paint now shows it, not a placeholder."""
        return preview_hash in self._pixmaps

    def _on_loaded(self, key: str, image: QImage, provisional: bool) -> None:
        self._pending.pop(key, None)
        if image.isNull():
            if key not in self._pixmaps:
                self._missing.add(key)  # not made yet or unreadable: the placeholder stays
            return
        if provisional and key in self._pixmaps and key not in self._provisional:
            return  # a late embedded read must not replace the real preview
        (self._provisional.add if provisional else self._provisional.discard)(key)
        pixmap = QPixmap.fromImage(image)
        old = self._pixmaps.pop(key, None)
        if old is not None:
            self._bytes -= _cost(old)
        self._pixmaps[key] = pixmap
        self._bytes += _cost(pixmap)
        while self._bytes > self.limit_bytes and len(self._pixmaps) > 1:
            gone, evicted = self._pixmaps.popitem(last=False)
            self._bytes -= _cost(evicted)
            self._provisional.discard(gone)
            self._stale.discard(gone)
        self.ready.emit(key)

    def wait(self, msecs: int = 5000) -> bool:
        return self.pool.waitForDone(msecs)


def _cost(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * 4
