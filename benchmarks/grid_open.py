"""Opening and scrolling a 50,000-photo album in the desktop grid, every photo with its own
512 px preview on disk.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/grid_open.py [--photos 50000]

Set-up (not timed): 50,000 distinct previews in the content-addressed cache layout, made once and
reused (benchmarks/make_grid_thumbnails.py); a fresh catalog whose album holds one photo per
preview, bulk-inserted through the database (the app's own tables). The measured path is the
app's: AlbumGrid.open_album -> PhotoService.list -> PhotoGridModel -> QListView + PhotoDelegate,
thumbnails read by ThumbnailCache's threads, painted by Qt (offscreen platform, 1400x900 window).

- "painted grid": from open_album() to the end of the first paint, by the app's own repaint, in
  which the whole album is in the model and every visible cell shows its real thumbnail.
  First opening: the album has no contact sheet yet (its rows kept from the last listing, see
  core/services/contact_sheets.py), so it is listed: its first screen, then the whole album.
  Cold: a new grid (no pixmaps) with every preview file, the catalog's files and the album's
  contact sheet dropped from the OS page cache by posix_fadvise(POSIX_FADV_DONTNEED), file by
  file (root could drop every cache, but that would slow the other jobs on the machine). Warm: a
  new grid, the files in the page cache. Reopen: the same grid again, its pixmap cache holding
  the visible thumbnails. Each opening of an album that has a sheet also lists the album behind
  it (and keeps that listing as the next sheet): that work is in the fling's and page-down's
  first frames, and in "GUI thread away".
  "GUI thread away": the longest the event loop took to come back to the benchmark while the
  grid opened (the GUI thread busy, or on a loaded machine waiting for a core): whether reading
  the whole album stalls the window.
- "fling": scrolling through all of it, one page per frame, frames back to back; a frame runs
  from the end of the last: the event loop delivering what the loader threads finished, one page
  down and Qt's own paint of the moved grid. Also how many visible cells were still placeholders
  when they were painted.
- "page down": one page per keypress from the top (100 pages, --pages), waiting for the page's
  thumbnails each time; frames are the move and its paint, and a repaint once the thumbnails are
  in; "filled" is how long after the move the last visible thumbnail arrived.
- The floor: a bare QListView, the same 50,000 rows and cell size, a delegate that paints
  pixmaps decoded beforehand (256 of them in turn) and nothing else. Ratios are ours / floor.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QObject, QSize, Qt
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import QApplication, QListView, QScrollBar, QStyledItemDelegate

from benchmarks.make_grid_thumbnails import grid_thumbnails, path_of, preview_hash
from core.services.photo_rows import RAW

WINDOW = QSize(1400, 900)
PREVIEW_HASH = RAW["preview_hash"]
GIVE_UP_S = 120.0


# The data set ------------------------------------------------------------------------------
async def build_album(home, n: int, previews: Path):  # type: ignore[no-untyped-def]
    """A fresh catalog: one studio, one album of `n` photos, photo i showing preview i."""
    from sqlalchemy import insert

    from app.bootstrap import open_services
    from core.catalog import Photo
    from core.catalog.database import Database, sqlite_url

    home.previews.parent.mkdir(parents=True, exist_ok=True)
    home.previews.symlink_to(previews, target_is_directory=True)
    services = await open_services(home)
    admin = await services.tenants.initialise("Bench Studio", "bench@studio.test")
    actor = await services.users.actor_for(admin.email)
    album = await services.albums.create(actor, "Fifty thousand")
    start = datetime(2024, 5, 1, 9, tzinfo=UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": actor.tenant_id,
            "album_id": album.id,
            "stem": f"img_{i:05d}",
            "filename": f"IMG_{i:05d}.CR3",
            "taken_at": start + timedelta(seconds=i),
            "width": 6000,
            "height": 4000,
            "camera": "Canon EOS R5",
            "lens": "RF 24-70mm F2.8",
            "preview_hash": preview_hash(i),
            "previews_ready": True,
            "stars": i % 6,
            "flag": ("pick", None, "reject", None)[i % 4],
            "label": (None, "Red", None, "Green", None)[i % 5],
            "selected": i % 50 == 0,
            "exif": {},
        }
        for i in range(n)
    ]
    db = Database(sqlite_url(home.catalog_path))
    async with db.session() as session, session.begin():
        for chunk in range(0, n, 5000):
            await session.execute(insert(Photo), rows[chunk : chunk + 5000])
    await db.dispose()
    return services, actor, album


def drop_from_page_cache(files: list[Path]) -> None:
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def read_into_page_cache(files: list[Path]) -> None:
    for path in files:
        path.read_bytes()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# Watching the screen -----------------------------------------------------------------------
def visible_rows(view: QListView, rows: int, cell: QSize) -> range:
    """The rows a uniform icon-mode grid shows at its scroll position."""
    viewport = view.viewport()
    columns = max(1, viewport.width() // cell.width())
    top = view.verticalScrollBar().value()
    first = top // cell.height()
    last = (top + viewport.height() - 1) // cell.height()
    return range(min(rows, first * columns), min(rows, (last + 1) * columns))


class Paints(QObject):
    """Notes each paint of a viewport and what it showed (called just before Qt paints)."""

    def __init__(self, viewport: QObject, state: Callable[[], object]) -> None:
        super().__init__()
        self.state = state
        self.seen: list[object] = []
        viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.seen.append(self.state())
        return False


class Stall:
    """The longest the event loop went without coming back to us: the GUI thread busy (or, on a
    loaded machine, waiting for a core) for that long, deaf to input and painting nothing."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._last = time.perf_counter()

    def tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now


async def until_painted(
    paints: Paints, wanted: Callable[[object], bool], t0: float, stall: Stall | None = None
) -> float:
    """Seconds from t0 to the end of the first paint whose state is `wanted` (the loop resumes
    only once the paint event has returned)."""
    checked = 0
    while time.perf_counter() - t0 < GIVE_UP_S:
        while checked < len(paints.seen):
            checked += 1
            if wanted(paints.seen[checked - 1]):
                return time.perf_counter() - t0
        await asyncio.sleep(0)
        if stall is not None:
            stall.tick()
    raise SystemExit(f"nothing painted as wanted within {GIVE_UP_S:.0f} s")


class Collections:
    """The cycle collector's pauses while it watches (a full one walks every live object)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._started = 0.0

    def __enter__(self) -> Collections:
        gc.callbacks.append(self._note)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._started))

    def __str__(self) -> str:
        full = [s for g, s in self.pauses if g == 2]
        longest = max((s for _, s in self.pauses), default=0.0) * 1000
        return f"{len(self.pauses)} collections ({len(full)} full), longest {longest:.0f} ms"


class Frames:
    """Each frame's wall time, and the GUI thread's CPU time in it (the machine may be busy with
    other work: CPU time is what our code costs, wall time what a photographer would see)."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self._wall, self._cpu = time.perf_counter(), time.thread_time()

    def start(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.thread_time()

    def end(self) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        self.wall.append(wall - self._wall)
        self.cpu.append(cpu - self._cpu)
        self._wall, self._cpu = wall, cpu

    def __str__(self) -> str:
        return f"wall {spread(self.wall)}; CPU {spread(self.cpu)} ({len(self.wall)} frames)"


def quantile(seconds: list[float], q: float) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def spread(seconds: list[float]) -> str:
    p50, p99 = quantile(seconds, 0.5) * 1000, quantile(seconds, 0.99) * 1000
    return f"p50 {p50:5.1f} p99 {p99:5.1f} max {max(seconds) * 1000:6.1f} ms"


async def moved_and_painted(bar: QScrollBar, paints: Paints) -> None:
    """One page down, then the event loop until Qt has painted the moved grid, as in the app:
    the view repaints when the scroll bar moves, together with whatever else is due."""
    seen = len(paints.seen)
    bar.setValue(bar.value() + bar.pageStep())
    while len(paints.seen) == seen:
        await asyncio.sleep(0)


async def fling(view: QListView, paints: Paints, after: Callable[[], None]) -> Frames:
    """One page per frame, top to bottom, back to back. A frame runs from the end of the last
    one: the event loop delivering what the loader threads finished, the move, the paint."""
    bar = view.verticalScrollBar()
    bar.setValue(0)
    await asyncio.sleep(0.05)
    frames = Frames()
    while bar.value() < bar.maximum():
        await moved_and_painted(bar, paints)
        frames.end()
        after()  # not timed: the benchmark's own look at the screen
        frames.start()
    return frames


# The app's grid ----------------------------------------------------------------------------
class Grid:
    """One AlbumGrid on the benchmark's catalog, with what the measurements need to see."""

    def __init__(self, studio, n: int) -> None:  # type: ignore[no-untyped-def]
        from ui.album_grid import AlbumGrid
        from ui.photo_delegate import CELL

        self.n, self.cell = n, CELL
        self.widget = AlbumGrid(studio)
        self.widget.resize(WINDOW)
        self.widget.show()
        self.view, self.model = self.widget.view, self.widget.model
        self.thumbnails = self.widget.thumbnails
        self.paints = Paints(self.view.viewport(), self.state)
        self.placeholders = 0
        self.cells = 0
        self.stall = Stall()  # the longest the GUI thread was away during the last open

    def state(self) -> tuple[int, bool]:
        """Rows in the model, and whether every visible cell has its thumbnail."""
        rows = self.model.rowCount()
        shown = visible_rows(self.view, rows, self.cell)
        return rows, len(shown) > 0 and self.missing(shown) == 0

    def missing(self, shown: range) -> int:
        cell, thumbnails = self.model.cell, self.thumbnails
        return sum(1 for r in shown if cell(r)[0][PREVIEW_HASH] not in thumbnails)

    def count_placeholders(self) -> None:
        shown = visible_rows(self.view, self.model.rowCount(), self.cell)
        self.cells += len(shown)
        self.placeholders += self.missing(shown)

    async def open(self, album_id: uuid.UUID) -> tuple[float, float, float]:
        """Seconds to the first painted rows, to the visible thumbnails, to all of it."""
        self.widget.open_album(None)
        await self.widget.studio.jobs.idle()
        self.paints.seen.clear()
        t0 = time.perf_counter()
        self.widget.open_album(album_id)
        stall = self.stall = Stall()
        rows = await until_painted(self.paints, lambda s: s[0] > 0, t0, stall)  # type: ignore[index]
        thumbs = await until_painted(self.paints, lambda s: s[1], t0, stall)  # type: ignore[index]
        whole = await until_painted(self.paints, lambda s: s == (self.n, True), t0, stall)
        await self.widget.studio.jobs.idle()
        return rows, thumbs, whole

    async def laid_out(self) -> None:
        """Wait until the batched layout has placed the last photo (the scroll bar is whole)."""
        last = self.model.index(self.n - 1)
        while not self.view.visualRect(last).isValid():
            await asyncio.sleep(0.01)

    async def page_down(self, pages: int) -> tuple[Frames, list[float]]:
        """A page per keypress, each time waiting for the page's thumbnails. Frames: the move
        and its paint, then a repaint with the thumbnails in; `filled`: the wait between."""
        bar, viewport = self.view.verticalScrollBar(), self.view.viewport()
        bar.setValue(0)
        await asyncio.sleep(0.05)
        frames, filled = Frames(), []
        while bar.value() < bar.maximum() and len(filled) < pages:
            await asyncio.sleep(0)
            frames.start()
            await moved_and_painted(bar, self.paints)
            frames.end()
            moved = time.perf_counter()
            shown = visible_rows(self.view, self.n, self.cell)
            while self.missing(shown):
                await asyncio.sleep(0)
            filled.append(time.perf_counter() - moved)
            await asyncio.sleep(0)
            frames.start()
            viewport.repaint()
            frames.end()
        return frames, filled

    async def close(self) -> None:
        self.thumbnails.forget_pending()
        self.thumbnails.wait()
        self.widget.close_album()
        self.widget.open_album(None)
        await self.widget.studio.jobs.idle()
        self.widget.close()
        self.widget.deleteLater()


# The floor ---------------------------------------------------------------------------------
class BareModel(QAbstractListModel):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.n

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
        return None


class BareDelegate(QStyledItemDelegate):
    def __init__(self, pixmaps: list[QPixmap], cell: QSize) -> None:
        super().__init__()
        self.pixmaps, self.cell = pixmaps, cell

    def sizeHint(self, option, index) -> QSize:  # type: ignore[no-untyped-def]
        return self.cell

    def paint(self, painter, option, index) -> None:  # type: ignore[no-untyped-def]
        pixmap = self.pixmaps[index.row() % len(self.pixmaps)]
        painter.drawPixmap(option.rect.topLeft(), pixmap)


def bare_view(pixmaps: list[QPixmap], cell: QSize) -> QListView:
    view = QListView()
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setMovement(QListView.Movement.Static)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setUniformItemSizes(True)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setBatchSize(2000)
    view.setGridSize(cell)
    view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
    view.setItemDelegate(BareDelegate(pixmaps, cell))
    view.resize(WINDOW)
    view.show()
    return view


def decoded(files: list[Path], fit: QSize) -> list[QPixmap]:
    pixmaps = []
    for path in files:
        reader = QImageReader(str(path))
        reader.setScaledSize(reader.size().scaled(fit, Qt.AspectRatioMode.KeepAspectRatio))
        pixmaps.append(QPixmap.fromImage(reader.read()))
    return pixmaps


async def floor(n: int, files: list[Path]) -> tuple[float, Frames]:
    from ui.photo_delegate import CELL, THUMB

    view = bare_view(decoded(files[:256], THUMB), CELL)
    await asyncio.sleep(0.05)
    model = BareModel(n)
    paints = Paints(view.viewport(), lambda: view.model() is model)
    t0 = time.perf_counter()
    view.setModel(model)
    painted = await until_painted(paints, bool, t0)
    while not view.visualRect(model.index(n - 1)).isValid():
        await asyncio.sleep(0.01)
    frames = await fling(view, paints, lambda: None)
    view.close()
    view.deleteLater()
    return painted, frames


# The run -----------------------------------------------------------------------------------
async def measure(n: int, opens: int, page_count: int) -> None:
    from app.bootstrap import close_services
    from core.home import Home
    from ui.studio import Studio

    t = time.perf_counter()
    previews = grid_thumbnails(n)
    files = [path_of(previews, i) for i in range(n)]
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    print(
        f"set-up: {n} distinct 512 px previews, {megabytes:.0f} MB on disk, in {previews} "
        f"({time.perf_counter() - t:.1f} s)"
    )
    with tempfile.TemporaryDirectory(prefix="photoflow-bench-") as tmp:
        t = time.perf_counter()
        services, actor, album = await build_album(Home(Path(tmp)), n, previews)
        studio = Studio(services, actor)
        print(f"set-up: {n} photos in the catalog in {time.perf_counter() - t:.1f} s")

        catalog = [p for p in Path(tmp).rglob("catalog.sqlite*") if p.is_file()]
        sheets = Home(Path(tmp)).contact_sheets

        async def fresh_open(kind: str) -> tuple[Grid, tuple[float, float, float]]:
            if kind == "first":  # never opened: no contact sheet yet
                for sheet in sheets.glob("*"):
                    sheet.unlink()
            kept = list(sheets.glob("*"))
            (drop_from_page_cache if kind == "cold" else read_into_page_cache)(
                files + catalog + kept
            )
            grid = Grid(studio, n)
            await asyncio.sleep(0.05)
            return grid, await grid.open(album.id)

        kinds = ("first", "cold", "warm", "re")
        opened: dict[str, list[tuple[float, float, float]]] = {k: [] for k in kinds}
        stalls: dict[str, list[float]] = {k: [] for k in kinds}
        for _ in range(opens):
            for kind in ("first", "cold", "warm"):
                grid, times = await fresh_open(kind)
                opened[kind].append(times)
                stalls[kind].append(grid.stall.longest)
                if kind == "warm":
                    opened["re"].append(await grid.open(album.id))
                    stalls["re"].append(grid.stall.longest)
                await grid.close()
        print(f"painted grid, median of {opens} (first rows / visible thumbnails / whole album):")
        medians, screens = {}, {}
        for kind, label in (
            ("first", "first opening (no contact sheet), warm files   "),
            ("cold", "cold (files not in the page cache, no pixmaps)"),
            ("warm", "warm (files in the page cache, no pixmaps)    "),
            ("re", "reopen (visible pixmaps cached)               "),
        ):
            med = [statistics.median(x[i] for x in opened[kind]) * 1000 for i in range(3)]
            medians[kind] = med[2]
            screens[kind] = med[1]
            print(
                f"  {label}: {med[0]:5.0f} / {med[1]:5.0f} / {med[2]:5.0f} ms; GUI thread away "
                f"at most {max(stalls[kind]) * 1000:.0f} ms meanwhile"
            )
        print(f"  target: whole album painted warm <= 200 ms: {medians['warm'] / 200:.2f}x of it")
        print(
            f"  (the album's first opening ever, before it has a contact sheet: first screen "
            f"{screens['first']:.0f} ms, whole album {medians['first']:.0f} ms)"
        )

        flings: dict[str, tuple[Frames, float]] = {}
        gcs: dict[str, Collections] = {}
        pages: dict[str, tuple[Frames, list[float]]] = {}
        for kind in ("cold", "warm"):
            grid, _ = await fresh_open(kind)
            await grid.laid_out()
            with Collections() as collections:
                frames = await fling(grid.view, grid.paints, grid.count_placeholders)
            flings[kind] = (frames, grid.placeholders / max(1, grid.cells))
            gcs[kind] = collections
            grid.thumbnails.forget_pending()
            grid.thumbnails.wait()
            if kind == "cold":
                drop_from_page_cache(files)
            pages[kind] = await grid.page_down(page_count)
            if kind == "warm":
                print(f"RSS with the album open, after scrolling all of it: {rss_mb():.0f} MB")
            await grid.close()
        floor_painted, floor_frames = await floor(n, files)

        print("fling, one page per frame through the whole album:")
        for kind in ("cold", "warm"):
            frames, share = flings[kind]
            print(f"  {kind:5}: {frames}; placeholders in {share:.0%} of painted cells")
            print(f"         meanwhile the cycle collector: {gcs[kind]}")
        print(f"  floor: {floor_frames}")
        print(f"page down from the top, {page_count} pages, waiting for each page's thumbnails:")
        for kind in ("cold", "warm"):
            frames, filled = pages[kind]
            print(f"  {kind:5}: {frames}; page filled {spread(filled)}")
        warm = flings["warm"][0]
        print(
            f"ratios ours/floor: painted grid warm {medians['warm'] / 1000 / floor_painted:.1f}x "
            f"(floor {floor_painted * 1000:.0f} ms); warm fling frame wall p50 "
            f"{quantile(warm.wall, 0.5) / quantile(floor_frames.wall, 0.5):.1f}x, p99 "
            f"{quantile(warm.wall, 0.99) / quantile(floor_frames.wall, 0.99):.1f}x; CPU p50 "
            f"{quantile(warm.cpu, 0.5) / quantile(floor_frames.cpu, 0.5):.1f}x, p99 "
            f"{quantile(warm.cpu, 0.99) / quantile(floor_frames.cpu, 0.99):.1f}x"
        )
        worst = max(quantile(flings[k][0].wall, 0.99) for k in flings) * 1000
        print(f"  target: p99 frame <= 16 ms: worst fling p99 {worst:.1f} ms, {worst / 16:.2f}x")
        await close_services(services)


def main() -> None:
    import qasync

    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=50_000)
    parser.add_argument("--opens", type=int, default=3, help="openings of each kind (median)")
    parser.add_argument("--pages", type=int, default=100, help="pages of the page-down pass")
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    qasync.run(measure(args.photos, args.opens, args.pages))


if __name__ == "__main__":
    main()
