"""Grid thumbnails (512 px) from 24 MP camera JPEGs: PhotoFlow vs vipsthumbnail vs a bare decode.

    .venv/bin/python benchmarks/thumbnails.py [--count N] [--rounds R]

All run on the same files with the same number of processes (one per core), after a warm-up
that puts the files in the OS cache. vips runs through pyvips in the same warm process pool as
ours (libvips loaded, one thread per process, its operation cache off), so both are timed on the
files alone, not on process start-up; the old way, one `vipsthumbnail` process per core started
every round, is still printed beside it to show how much start-up it charged vips. Prints files/s
and the ratios we track: ours/vips (target >= 1.4) and ours/bare-decode (target >= 0.9), the bare
decode being libjpeg's 1/8 scale; and, stricter, ours against our own DC-only decoder reading the
same files and doing nothing else. Then the "first screen": embedded EXIF thumbnails for 1,000
files against real thumbnails for as many.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from benchmarks.make_camera_jpegs import camera_jpegs
from core.imaging import _jpeg_dc  # type: ignore[attr-defined]
from core.imaging.analyse import hash_bytes, imaging_pool
from core.imaging.embedded import write_embedded_preview
from core.imaging.previews import GRID, make_previews


def our_grid_thumbnail(path: Path, cache_root: Path) -> int:
    """What ingest does for the grid: read once, hash (names the cache entry), 512 preview."""
    data = path.read_bytes()
    make_previews(data, cache_root, hash_bytes(data), sizes=(GRID,), filename=str(path))
    return len(data)


def bare_decode(path: Path) -> int:
    """A floor: libjpeg decoding at 1/8 scale, nothing else."""
    with Image.open(path) as im:
        im.draft("RGB", (im.width // 8, im.height // 8))
        im.load()
        return im.width


def bare_dc_decode(path: Path) -> int:
    """The lower floor: our DC-only decoder's 1/8-scale planes, nothing else."""
    width, *_ = _jpeg_dc.dc_planes(path.read_bytes())
    return int(width)


def vips_grid_thumbnail(path: Path, out: Path) -> int:
    """vips's own thumbnail (shrink-on-load), the same 512 px and JPEG quality as `vipsthumbnail`."""
    vips = _warm_vips()
    vips.Image.thumbnail(str(path), GRID).jpegsave(str(out / f"{path.stem}_512.jpg"), Q=85)
    return 0


_vips = None


def _warm_vips():  # type: ignore[no-untyped-def]
    """libvips, loaded once per worker: one thread (one process per core, like our pool) and no
    operation cache (it would answer a repeated file from memory)."""
    global _vips
    if _vips is None:
        os.environ["VIPS_CONCURRENCY"] = "1"  # read when libvips starts, at import
        import pyvips

        pyvips.cache_set_max(0)
        _vips = pyvips
    return _vips


def first_screen(args: tuple[Path, Path, str]) -> bool:
    path, cache_root, content_hash = args
    return write_embedded_preview(path, cache_root, content_hash) is not None


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def run_ours(pool: ProcessPoolExecutor, files: list[Path], scratch: Path) -> None:
    cache = Path(tempfile.mkdtemp(dir=scratch, prefix="ours-"))  # empty cache: no hits
    list(pool.map(our_grid_thumbnail, files, [cache] * len(files)))


def run_bare(pool: ProcessPoolExecutor, files: list[Path]) -> None:
    list(pool.map(bare_decode, files))


def run_bare_dc(pool: ProcessPoolExecutor, files: list[Path]) -> None:
    list(pool.map(bare_dc_decode, files))


def run_vips(pool: ProcessPoolExecutor, files: list[Path], scratch: Path) -> None:
    out = Path(tempfile.mkdtemp(dir=scratch, prefix="vips-"))
    list(pool.map(vips_grid_thumbnail, files, [out] * len(files)))


def run_vips_cold(files: list[Path], workers: int, scratch: Path) -> None:
    """The old way: a fresh `vipsthumbnail` per core each round, start-up timed with the files."""
    out = Path(tempfile.mkdtemp(dir=scratch, prefix="vips-"))
    shares = [files[i::workers] for i in range(workers)]
    # One process per core, like our pool; libvips's own threads would only fight over them.
    env = {**os.environ, "VIPS_CONCURRENCY": "1"}
    procs = [
        subprocess.Popen(
            ["vipsthumbnail", "-s", str(GRID), "-o", f"{out}/%s_512.jpg[Q=85]", *map(str, share)],
            env=env,
        )
        for share in shares
        if share
    ]
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit("vipsthumbnail failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=24, help="generated 24 MP JPEGs")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (median is shown)")
    parser.add_argument("--first-screen", type=int, default=1000, help="files for first screen")
    args = parser.parse_args()
    if shutil.which("vipsthumbnail") is None:
        raise SystemExit("vipsthumbnail is needed (apt-get install libvips-tools)")
    if importlib.util.find_spec("pyvips") is None:
        raise SystemExit("pyvips is needed (.venv/bin/pip install -e '.[bench]')")

    workers = os.cpu_count() or 1
    files = camera_jpegs(args.count)
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    print(
        f"{len(files)} camera JPEGs 6000x4000 q92, {megabytes / len(files):.1f} MB each on "
        f"average, {workers} processes each"
    )
    for f in files:
        f.read_bytes()  # OS cache warm for everyone

    with (
        tempfile.TemporaryDirectory(prefix="photoflow-bench-") as tmp,
        imaging_pool(workers) as pool,
    ):
        scratch = Path(tmp)
        # The same warm-up for both: one untimed round on every file starts the workers and
        # loads each library in each of them (a map over fewer files may miss a worker).
        run_ours(pool, files, scratch)
        run_vips(pool, files, scratch)
        run_bare(pool, files[:workers])
        run_bare_dc(pool, files[:workers])
        times: dict[str, list[float]] = {"ours": [], "vips": [], "cold": [], "bare": [], "dc": []}
        for _ in range(args.rounds):
            times["ours"].append(timed(lambda: run_ours(pool, files, scratch)))
            times["vips"].append(timed(lambda: run_vips(pool, files, scratch)))
            times["cold"].append(timed(lambda: run_vips_cold(files, workers, scratch)))
            times["bare"].append(timed(lambda: run_bare(pool, files)))
            times["dc"].append(timed(lambda: run_bare_dc(pool, files)))
        rate = {name: len(files) / statistics.median(t) for name, t in times.items()}

        print(f"  ours  (read + BLAKE3 + 512 px JPEG to cache): {rate['ours']:6.1f} files/s")
        print(f"  vips  (pyvips thumbnail 512, Q=85, warm pool): {rate['vips']:6.1f} files/s")
        print(f"  vips, old way (vipsthumbnail started cold)  : {rate['cold']:6.1f} files/s")
        print(f"  bare  (libjpeg 1/8 via Pillow draft + load) : {rate['bare']:6.1f} files/s")
        print(f"  dc    (our DC-only decode, planes only)     : {rate['dc']:6.1f} files/s")
        print(f"  ours / vips = {rate['ours'] / rate['vips']:.2f}   (target >= 1.4)")
        print(
            f"  ours / vips started cold = {rate['ours'] / rate['cold']:.2f}   (the old ratio: "
            f"timing vips warm moves it to {rate['ours'] / rate['vips']:.2f})"
        )
        print(
            f"  ours / bare = {rate['ours'] / rate['bare']:.2f}   (target >= 0.9; libjpeg's 1/8 decode)"
        )
        print(
            f"  ours / dc   = {rate['ours'] / rate['dc']:.2f}   (the same against our own, faster floor)"
        )

        n = args.first_screen
        cache = scratch / "first-screen"
        jobs = [(files[i % len(files)], cache, f"{i:064x}") for i in range(n)]
        seconds = timed(lambda: list(pool.map(first_screen, jobs, chunksize=25)))
        print(
            f"first screen: embedded thumbnails for {n} files in {seconds:.2f} s "
            f"({n / seconds:.0f} files/s); real grid thumbnails for {n} files take "
            f"{n / rate['ours']:.1f} s at the rate above "
            f"({n / rate['ours'] / seconds:.0f}x longer)"
        )


if __name__ == "__main__":
    main()
