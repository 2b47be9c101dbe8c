"""Thumbnails off the GUI thread: JPEG previews decoded in a thread pool into an LRU pixmap cache.

A worker reads the 512 px preview with `QImageReader`, letting libjpeg scale while decoding to the
grid's cell size, and hands a `QImage` back by a queued signal; the GUI thread turns it into a
`QPixmap` (pixmaps may only be made there). The photos asked for wait in one last-in-first-out
list that the workers take from, so the photos on screen after a fast scroll load before the ones
scrolled past; when more than `BACKLOG` wait, the oldest are dropped there and then, unread, by
the GUI thread (a fling through 50,000 photos must not leave 50,000 decodes queued), and asked
again if a paint still wants them. A request costs the GUI thread an append under a lock: no
task object per photo, no priority queue of tens of thousands.

While an import's second pass has not made the 512 yet, the worker falls back to the preview the
camera embedded (written in the first pass). Such a pixmap is provisional: `refresh()` (the
photo's `photo.previews` event) makes the next paint load the real one, still showing the
embedded picture meanwhile, so the cell never flashes back to a placeholder.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import OrderedDict, deque
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThread, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from core.imaging.previews import preview_file

GRID_SIZE = 512
LOUPE_SIZE = 2048
BACKLOG = 512  # more than the largest screen shows at the smallest cell size
LOADER_NICENESS = 10  # a tenth of the GUI thread's share of a core when both want it


class _Relay(QObject):
    arrived = Signal()  # decoded previews wait in `_Wanted.done`


class _Wanted:
    """The previews waiting to be read, newest last, and the ones read, waiting for the GUI
    thread; shared by it and the workers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.keys: deque[str] = deque()
        self.workers = 0  # running; each ends when it finds nothing to read
        self.done: list[tuple[str, QImage, bool]] = []  # hash, image (null: none), provisional


class _Worker(QRunnable):
    """Reads the newest wanted preview, then the next, until none is left. What it read is
    handed over in a list, with one queued signal for however many pile up before the GUI
    thread takes them: a signal per picture cost the GUI thread more than its pixmap."""

    def __init__(self, relay: _Relay, wanted: _Wanted, root: Path, fit: QSize) -> None:
        super().__init__()
        self.relay, self.wanted, self.fit = relay, wanted, fit
        self.root = str(root)
        self.setAutoDelete(True)

    def run(self) -> None:
        _yield_to_the_window()
        wanted = self.wanted
        while True:
            with wanted.lock:
                if not wanted.keys:
                    wanted.workers -= 1
                    return
                key = wanted.keys.pop()
            image, provisional = self._load(key)
            with wanted.lock:
                wanted.done.append((key, image, provisional))
                first = len(wanted.done) == 1
            if first:
                self.relay.arrived.emit()

    def _load(self, key: str) -> tuple[QImage, bool]:
        # Paths as plain strings: pathlib holds Python's lock longer than a cell's paint.
        image = self._read(preview_file(self.root, key, GRID_SIZE))
        if image.isNull():
            embedded = preview_file(self.root, key, "embedded")
            if os.path.exists(embedded):
                return self._read(embedded), True
        return image, False

    def _read(self, path: str) -> QImage:
        reader = QImageReader(path)
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid() and self.fit.isValid():
            reader.setScaledSize(size.scaled(self.fit, Qt.AspectRatioMode.KeepAspectRatio))
        return reader.read()


def _yield_to_the_window() -> None:
    """Lower this loader thread below the GUI thread: decoding is wanted, but a frame is wanted
    first. With as many loaders as cores, the GUI thread otherwise waits for a core in the middle
    of a fling (a frame of 5 ms of work took 22 ms). Linux schedules threads as tasks: `nice` on
    the thread's own id; Qt's thread priority does that on macOS and Windows, and not on Linux."""
    QThread.currentThread().setPriority(QThread.Priority.LowPriority)
    if sys.platform == "linux":  # refused in some sandboxes: then they keep the window's
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOADER_NICENESS)


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
        if pool is None:  # one core stays the window's: see `_yield_to_the_window`
            pool = QThreadPool(self)
            pool.setMaxThreadCount(max(1, QThread.idealThreadCount() - 1))
        self.pool = pool
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._bytes = 0
        self._pending: set[str] = set()  # waiting or being read
        self._missing: set[str] = set()
        self._provisional: set[str] = set()  # cached from the embedded preview
        self._stale: set[str] = set()  # provisional, and the real preview may exist now
        self._wanted = _Wanted()
        self._relay = _Relay()
        self._relay.arrived.connect(self._on_arrived, Qt.ConnectionType.QueuedConnection)

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
        if preview_hash in self._pending:
            return
        self._pending.add(preview_hash)
        wanted = self._wanted
        with wanted.lock:
            wanted.keys.append(preview_hash)
            while len(wanted.keys) > BACKLOG:  # scrolled past long ago: asked again if wanted
                self._pending.discard(wanted.keys.popleft())
            start = wanted.workers < self.pool.maxThreadCount()
            if start:
                wanted.workers += 1
        if start:
            self.pool.start(_Worker(self._relay, wanted, self.root, self.fit))

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
        """Drop waiting loads (a new album opened); what is already decoded stays cached."""
        with self._wanted.lock:
            self._wanted.keys.clear()
        self._pending.clear()

    def forget_missing(self) -> None:
        """A re-read of the album: look again for what was missing or only embedded."""
        self._missing.clear()
        self._stale |= self._provisional

    @property
    def pending(self) -> int:
        return len(self._pending)

    def __len__(self) -> int:
        return len(self._pixmaps)

    def __contains__(self, preview_hash: object) -> bool:
        """A pixmap is cached for this hash: a paint now shows it, not a placeholder."""
        return preview_hash in self._pixmaps

    def _on_arrived(self) -> None:
        with self._wanted.lock:
            done, self._wanted.done = self._wanted.done, []
        for key, image, provisional in done:
            self._on_loaded(key, image, provisional)

    def _on_loaded(self, key: str, image: QImage, provisional: bool) -> None:
        self._pending.discard(key)
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
