"""Opening a 50,000-photo album in the desktop grid: time to a painted grid, one viewport's paint,
and resident memory.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/grid_open.py [--photos 50000]

The catalog rows are bulk-inserted through the core's own tables (setup only; the measured path is
the app's: PhotoService.list -> PhotoGridModel -> QListView + PhotoDelegate). 300 distinct 512 px
previews are shared by the photos (the cache is content-addressed, so that is realistic for
duplicates and cheap to build). "Warm" means the previews exist on disk and the visible ones are in
the pixmap cache from an earlier opening, as when a photographer comes back to an album.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def build(home, n: int):  # type: ignore[no-untyped-def]
    from PIL import Image
    from sqlalchemy import insert

    from app.bootstrap import context_of, open_services
    from core.catalog import Photo
    from core.imaging.previews import preview_path

    services = await open_services(home)
    admin = await services.tenants.initialise("Bench Studio", "bench@studio.test")
    actor = await services.users.actor_for(admin.email)
    album = await services.albums.create(actor, "Fifty thousand")
    hashes = []
    for i in range(300):
        h = f"{i:064x}"
        path = preview_path(home.previews, h, 512)
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (512, 341), ((i * 37) % 255, (i * 91) % 255, (i * 13) % 255)).save(
            path, "JPEG", quality=80
        )
        hashes.append(h)
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
            "preview_hash": hashes[i % len(hashes)],
            "previews_ready": True,
            "stars": i % 6,
            "flag": ("pick", None, "reject", None)[i % 4],
            "label": (None, "Red", None, "Green", None)[i % 5],
            "selected": i % 50 == 0,
            "exif": {},
        }
        for i in range(n)
    ]
    async with context_of(services).db.session() as session, session.begin():
        for chunk in range(0, n, 5000):
            await session.execute(insert(Photo), rows[chunk : chunk + 5000])
    return services, actor, album


async def measure(n: int) -> None:
    from PySide6.QtWidgets import QApplication

    from app.bootstrap import close_services
    from core.home import Home
    from ui.album_grid import AlbumGrid
    from ui.studio import Studio

    app = QApplication.instance()
    with tempfile.TemporaryDirectory(prefix="photoflow-bench-") as tmp:
        home = Home(Path(tmp))
        t0 = time.perf_counter()
        services, actor, album = await build(home, n)
        print(f"setup: {n} photos in the catalog in {time.perf_counter() - t0:.1f} s")
        studio = Studio(services, actor)
        grid = AlbumGrid(studio)
        grid.resize(1400, 900)
        grid.show()
        app.processEvents()

        async def open_and_paint() -> tuple[float, float, float, float]:
            """The real path: AlbumGrid.open_album, which reads the first screenful first."""
            grid.open_album(None)  # back to no album: the model is empty again
            await studio.jobs.idle()
            await asyncio.sleep(0.05)
            t = time.perf_counter()
            grid.open_album(album.id)
            while grid.model.rowCount() == 0:
                await asyncio.sleep(0)
            t_rows = time.perf_counter() - t
            grid.view.doItemsLayout()
            grid.view.viewport().repaint()
            t_painted = time.perf_counter() - t
            while grid.thumbnails.pending:  # every visible thumbnail in the cache and painted
                await asyncio.sleep(0.001)
            grid.view.viewport().repaint()
            t_thumbs = time.perf_counter() - t
            while grid.model.rowCount() < n:  # the whole album behind the first screen
                await asyncio.sleep(0.001)
            return t_rows, t_painted, t_thumbs, time.perf_counter() - t

        cold = await open_and_paint()
        print(
            f"first opening (previews on disk, pixmap cache empty): first rows {cold[0] * 1000:.0f} ms, "
            f"painted {cold[1] * 1000:.0f} ms, thumbnails painted {cold[2] * 1000:.0f} ms, "
            f"all {n} photos in the model {cold[3] * 1000:.0f} ms"
        )
        warm = [await open_and_paint() for _ in range(5)]
        med = [statistics.median(x[i] for x in warm) * 1000 for i in range(4)]
        print(
            f"warm opening (median of 5): first screen of rows {med[0]:.0f} ms; painted grid "
            f"{med[1]:.0f} ms; all visible thumbnails {med[2]:.0f} ms; whole album in the model "
            f"{med[3]:.0f} ms"
        )
        print(
            f"  target: painted grid <= 200 ms: {med[2] / 200:.2f}x of budget (thumbnails painted)"
        )
        paints = []
        for _ in range(50):
            t = time.perf_counter()
            grid.view.viewport().repaint()
            paints.append(time.perf_counter() - t)
        visible = (
            sum(
                1
                for r in range(grid.model.rowCount())
                if grid.view.visualRect(grid.model.index(r)).intersects(grid.view.viewport().rect())
            )
            if n <= 5000
            else "~"
            + str(
                (grid.view.viewport().width() // 196) * (grid.view.viewport().height() // 196 + 1)
            )
        )
        print(
            f"one viewport ({grid.view.viewport().width()}x{grid.view.viewport().height()}, "
            f"{visible} cells): median {statistics.median(paints) * 1000:.2f} ms, "
            f"max {max(paints) * 1000:.2f} ms (target <= 8 ms: "
            f"{statistics.median(paints) * 1000 / 8:.2f}x of budget)"
        )
        grid.view.verticalScrollBar().setValue(grid.view.verticalScrollBar().maximum() // 2)
        app.processEvents()
        print(f"RSS with the album open: {rss_mb():.0f} MB (target < 600 MB)")
        grid.close_album()
        await studio.jobs.idle()
        await close_services(services)


def main() -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=50_000)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    qasync.run(measure(args.photos))


if __name__ == "__main__":
    main()
