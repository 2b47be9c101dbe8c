"""First screen of an ingest: how soon the grid can show a shoot, from the embedded previews.

A 1,000-file card of camera-like JPEGs (variants of the generated 24 MP benchmark photos, or
those re-encoded at 12 MP with their EXIF thumbnail; each variant has its own bytes and hash)
goes through the real import. Printed side by side in the same run:

- first screen: the time until the first 48 photos (a grid screen) are in the catalog with a
  preview to paint (the camera's embedded one), measured from the start of the import;
- reference: `vipsthumbnail -s 512` making thumbnails of those same 48 files (what a tool that
  decodes pixels for its first screen has to do), one process per core;
- the grid: all 1,000 real 512 thumbnails made (from the DC coefficients for 24 MP files;
  12 MP ones are too small for that and get both previews from one decode);
- the whole ingest: all 1,000 files copied, hashed, and their real 2048/512 previews made.

    .venv/bin/python benchmarks/ingest_first_screen.py [--files 1000] [--screen 48] [--mp 24|12]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_camera_jpegs import camera_jpegs

from app.bootstrap import close_services, open_services
from core.home import Home
from core.imaging.previews import preview_path
from core.services.imports import ImportProgress

BASES = 8


def make_card(folder: Path, files: int, megapixels: int) -> list[Path]:
    """`files` distinct camera JPEGs: 8 bases, each copy with its own COM segment."""
    folder.mkdir(parents=True, exist_ok=True)
    bases = []
    for i, src in enumerate(camera_jpegs(BASES)):
        base = folder.parent / f"base_{i}.jpg"
        if megapixels == 24:
            base = src  # 6000x4000 as generated
        elif not base.exists():
            with Image.open(src) as im:
                exif = im.info.get("exif", b"")
                im.draft("RGB", (4000, 3000))
                im.resize((4000, 2667)).save(base, "JPEG", quality=92, exif=exif)
        bases.append(base.read_bytes())
    paths = []
    for n in range(files):
        path = folder / f"DSC_{n:04d}.JPG"
        if not path.exists():
            data = bases[n % BASES]
            note = f"PhotoFlow benchmark frame {n}".encode()
            segment = b"\xff\xfe" + struct.pack(">H", len(note) + 2) + note
            path.write_bytes(data[:2] + segment + data[2:])
        paths.append(path)
    return paths


def vips_first_screen(files: list[Path], out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    workers = os.cpu_count() or 2
    shares = [files[i::workers] for i in range(workers)]
    env = dict(os.environ, VIPS_CONCURRENCY="1")
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            ["vipsthumbnail", "-s", "512", "-o", f"{out}/%s_vips.jpg[Q=85]", *map(str, share)],
            env=env,
        )
        for share in shares
        if share
    ]
    for proc in procs:
        proc.wait()
    return time.perf_counter() - started


async def ingest(card: Path, home: Path, screen: int) -> tuple[float, float, float, float, int]:
    services = await open_services(Home(home))
    try:
        await services.tenants.initialise("Bench", "bench@studio.test")
        me = await services.users.actor_for("bench@studio.test")
        album = await services.albums.create(me, "Card")
        await services.imports.warm()  # as the desktop does at start-up
        first_screen = copied = grid = None
        started = time.perf_counter()
        async for item in services.imports.stream(me, album.id, [card]):
            if not isinstance(item, ImportProgress):
                report = item
                continue
            now = time.perf_counter() - started
            if first_screen is None and item.phase == "copying" and item.imported >= screen:
                first_screen = now
            if copied is None and item.phase == "previews":
                copied = now
            if grid is None and item.phase == "previews" and item.done == item.total:
                grid = now
        total = time.perf_counter() - started
        rows = await services.photos.list(me, album.id)
        embedded = sum(
            preview_path(services.paths.previews, r.preview_hash, "embedded").exists() for r in rows
        )
        assert len(report.imported) == len(rows), report.failed[:3]
        return first_screen or total, copied or total, grid or total, total, embedded
    finally:
        await close_services(services)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--screen", type=int, default=48)
    ap.add_argument("--mp", type=int, choices=(24, 12), default=24, help="megapixels per photo")
    args = ap.parse_args()
    work = Path(tempfile.gettempdir()) / f"photoflow-bench-card-{args.files}-{args.mp}mp"
    t = time.perf_counter()
    files = make_card(work / "card", args.files, args.mp)
    size = sum(p.stat().st_size for p in files) / 1e9
    with Image.open(files[0]) as im:
        w, h = im.size
    print(
        f"card: {len(files)} JPEGs {w}x{h}, {size:.1f} GB (ready in {time.perf_counter() - t:.0f} s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        vips = vips_first_screen(files[: args.screen], Path(tmp) / "vips")
        first, copied, grid, total, embedded = asyncio.run(
            ingest(work / "card", Path(tmp) / "home", args.screen)
        )
        print(
            f"first screen ({args.screen} photos in the catalog, embedded previews): {first:.2f} s"
        )
        print(f"reference: vipsthumbnail -s 512 of the same {args.screen} files: {vips:.2f} s")
        print(f"ratio (reference / ours, higher is better): {vips / first:.2f}x")
        print(
            f"all {len(files)} copied and hashed, with embedded previews ({embedded} found): {copied:.1f} s"
        )
        print(f"all {len(files)} real grid thumbnails (512) made: {grid:.1f} s")
        print(
            f"all real previews made, ingest done: {total:.1f} s ({len(files) / total:.1f} files/s)"
        )
    shutil.rmtree(work / "card", ignore_errors=True)


if __name__ == "__main__":
    main()
