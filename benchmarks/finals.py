"""Finals made per second from 24 MP sources: PhotoFlow's delivery job vs the `vips` CLI.

    .venv/bin/python benchmarks/finals.py [--count N] [--rounds R]

An album is carried to Final with N generated camera JPEGs (6000x4000 q92, every fourth stored
sideways with EXIF orientation 6) as its approved retouches, then delivered through two presets,
"Full" (full size, JPEG Q=90) and "Web" (long edge 2048, JPEG Q=90): 2N finals, timed through
`services.delivery.deliver` itself (the claim, the imaging pool's workers, each final written
temp+fsync+rename and recorded in its own transaction). In the same run, on the same files, `vips`
does the same resize and format: `vips thumbnail SRC OUT.jpg[Q=90] 2048` and a full-size re-encode
`vips copy SRC OUT.jpg[Q=90]`, with as many vips processes at a time as our pool has workers and
VIPS_CONCURRENCY=1 (one thread each, like our workers). Prints finals/s and ours/vips (target
>= 1.0). Each round delivers again (the job remakes every final), after an untimed warm-up round.

Left out, in vips's favour: vips neither fsyncs nor hashes its files, records nothing, does not
turn the sideways quarter upright in the full-size copy, and keeps every metadata block (we drop
GPS, serials and maker notes and embed an sRGB profile). In ours: no sharpening, no watermark,
and no ICC conversion (the generated files carry no profile). Each vips call starts a process
(about 20-40 ms here), which is how the CLI is used; the import that sets the album up is not timed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from app.bootstrap import close_services, open_services
from benchmarks.make_camera_jpegs import camera_jpegs
from core.finals.presets import ExportPreset
from core.home import Home
from core.services import Services
from core.workflow import Stage

PRESETS = (
    ExportPreset("Full", None, "jpeg", 90, sharpen="none", rename="{stem}-full"),
    ExportPreset("Web", 2048, "jpeg", 90, sharpen="none", rename="{stem}-web"),
)


async def album_in_final(s: Services, sources: list[Path], tmp: Path) -> tuple[object, object]:
    """A studio whose album is in Final with `sources` as approved retouches; its job opened."""
    await s.tenants.initialise("Bench Studio", "owner@bench.test", "Olga")
    me = await s.users.actor_for("owner@bench.test")
    await s.settings.update(me, export_presets=[p.to_dict() for p in PRESETS])
    album = await s.albums.create(me, "Bench")
    card = tmp / "card"
    card.mkdir()
    retouched = tmp / "retouched"
    retouched.mkdir()
    for i, source in enumerate(sources, start=1):
        Image.new("RGB", (64, 48), (i * 20 % 256, 80 + i * 7, 120)).save(card / f"IMG_{i:04d}.jpg")
        os.link(source, retouched / f"IMG_{i:04d}_retouched.jpg")
    await s.imports.run(me, album.id, [card])
    await s.albums.advance(me, album.id, Stage.RATE)
    for i in range(1, len(sources) + 1):
        await s.photos.select(me, album.id, f"IMG_{i:04d}.jpg")
    await s.albums.advance(me, album.id)
    report = await s.imports.run(me, album.id, [retouched], kind="retouched")
    assert len(report.imported) == len(sources), report.failed
    await s.albums.advance(me, album.id)
    for i in range(1, len(sources) + 1):
        await s.photos.decide(me, album.id, f"IMG_{i:04d}.jpg", approve=True)
    await s.albums.advance(me, album.id)  # Final: the delivery job is opened
    return me, album.id


def run_vips(files: list[Path], out: Path, workers: int) -> int:
    env = dict(os.environ, VIPS_CONCURRENCY="1")
    calls = []
    for f in files:
        calls.append(["vips", "thumbnail", str(f), f"{out}/{f.stem}-web.jpg[Q=90]", "2048"])
        calls.append(["vips", "copy", str(f), f"{out}/{f.stem}-full.jpg[Q=90]"])

    def one(argv: list[str]) -> None:
        subprocess.run(argv, env=env, check=True, capture_output=True)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, calls))
    return len(calls)


async def main_async(args: argparse.Namespace) -> None:
    files = camera_jpegs(args.count)
    workers = os.cpu_count() or 1
    print(
        f"{len(files)} camera JPEGs 6000x4000 q92, two presets (full size and 2048 px, JPEG Q=90): "
        f"{2 * len(files)} finals a round, {workers} worker processes (ours) or vips processes"
    )
    for f in files:
        f.read_bytes()  # OS cache warm for everyone
    with tempfile.TemporaryDirectory(prefix="photoflow-bench-finals-") as tmp_name:
        tmp = Path(tmp_name)
        s = await open_services(Home(tmp / "home"), follow=False)
        try:
            me, album_id = await album_in_final(s, files, tmp)
            vips_out = tmp / "vips"
            vips_out.mkdir()
            await s.delivery.deliver(me, album_id)  # warm-up: the pool's workers start
            run_vips(files[:workers], vips_out, workers)
            ours, theirs = [], []
            for _ in range(args.rounds):
                started = time.perf_counter()
                view = await s.delivery.deliver(me, album_id, [p.name for p in PRESETS])
                ours.append(time.perf_counter() - started)
                assert view.state == "done" and view.done == 2 * len(files), view
                started = time.perf_counter()
                n = await asyncio.to_thread(run_vips, files, vips_out, workers)
                theirs.append(time.perf_counter() - started)
            finals = await s.delivery.finals(me, album_id)
        finally:
            await close_services(s)
        web = next(f for f in finals if f.preset == "Web")
        full = next(f for f in finals if f.preset == "Full")
        print(f"  our finals: {full.width}x{full.height} full, {web.width}x{web.height} web")
        rate_ours = 2 * len(files) / statistics.median(ours)
        rate_vips = n / statistics.median(theirs)
        print(f"  ours (delivery job, {args.rounds} rounds, median): {rate_ours:6.2f} finals/s")
        print(f"  vips (thumbnail 2048 + copy, CLI)          : {rate_vips:6.2f} finals/s")
        print(f"  ours / vips = {rate_ours / rate_vips:.2f}   (target >= 1.0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=12, help="generated 24 MP JPEGs")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (median is shown)")
    args = parser.parse_args()
    if shutil.which("vips") is None:
        raise SystemExit("vips is needed (apt-get install libvips-tools)")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
