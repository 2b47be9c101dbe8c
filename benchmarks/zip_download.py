"""A client's "Download all": the zip of a Final album's finals from our portal, written while
it is sent, against nginx sending the very same bytes as one file, in the same run.

Run: .venv/bin/python benchmarks/zip_download.py [--photos 8] [--mb 64] [--runs 3]

An album is carried to Final through the services and its finals made by services.delivery; each
full-size final is then replaced by a hard link to one file of random bytes (`--mb` MiB: random,
so nothing downstream could compress it) and the finals' recorded sizes set to match, as
benchmarks may seed the catalog. The portal runs as `photoflow portal` does, in its own process;
the zip it sends is saved once, checked (`testzip`), and given to a throwaway nginx (sendfile,
tcp_nopush, one worker) as a static file. curl fetches each, to /dev/null, one client at a time
and then two at once (the most one address may fetch at once); the figures are medians of `--runs`, in MiB/s, with the ratio
ours/nginx (target >= 0.5) and the server's CPU time per GiB sent. Those are repeat downloads:
the portal remembers the CRC of each final it sent (core.delivery_zip.CrcMemory), so they skip
the CRC pass. The first download is timed apart, on a portal that never sent these files: it
uses the CRC each final's making recorded (seeded here for the random file, as the making does).

Left out: TLS (both would pay it alike, or a proxy in front would), disks (both read the same
page-cached file), slow clients (both are bounded by them alike), the session and link checks'
cost (once per download, noise beside hundreds of MB). Needs Debian's `nginx-light` and curl.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.portal_serving import HOST, children, cpu_seconds, free_port, start_nginx

ADMIN = "admin@bench.test"
PORTAL = [sys.executable, "-m", "app.main"]


async def build(root: Path, photos: int, mib: int) -> tuple[str, int]:
    """The home with a Final album whose full-size finals are `mib` MiB each; a link's token."""
    from sqlalchemy import update

    from app.bootstrap import close_services, context_of, open_services
    from core.catalog import Final
    from core.finals.presets import ExportPreset
    from core.home import Home
    from core.workflow import Stage
    from tests.core.delivery_album import camera_jpeg
    from tests.images import make_shoot

    s = await open_services(Home(root / "home"))
    try:
        await s.tenants.initialise("Bench Studio", ADMIN)
        me = await s.users.actor_for(ADMIN)
        album = (await s.albums.create(me, "Bench")).id
        await s.imports.run(me, album, make_shoot(root / "card", photos))
        await s.albums.advance(me, album, Stage.RATE)
        for i in range(1, photos + 1):
            await s.photos.select(me, album, f"IMG_{i:04d}.jpg")
        await s.albums.advance(me, album)
        retouched = [
            camera_jpeg(root / "rt" / f"IMG_{i:04d}_r.jpg", (1200, 800), i)
            for i in range(1, photos + 1)
        ]
        await s.imports.run(me, album, retouched, kind="retouched")
        await s.albums.advance(me, album)
        for i in range(1, photos + 1):
            await s.photos.decide(me, album, f"IMG_{i:04d}.jpg", approve=True)
        full = ExportPreset("Full", None, "jpeg", 95, rename="{album}-{seq:03}")
        await s.delivery.save_preset(me, full)
        await s.delivery.choose_presets(me, album, [full.name])
        await s.albums.advance(me, album)
        await s.delivery.deliver(me, album)
        big = root / "big.jpg"
        with big.open("wb") as f:
            for _ in range(mib):
                f.write(os.urandom(1024 * 1024))
        for final in await s.delivery.finals(me, album):
            final.path.unlink()
            os.link(big, final.path)
        crc = 0
        with big.open("rb") as f:  # what making the final records: its CRC and its mtime
            while piece := f.read(2**20):
                crc = zlib.crc32(piece, crc)
        async with context_of(s).db.session() as session:
            await session.execute(
                update(Final)
                .where(Final.album_id == album)
                .values(size_bytes=mib * 2**20, crc32=crc, file_mtime_ns=big.stat().st_mtime_ns)
            )
            await session.commit()
        made = await s.links.create(me, album, allow_download=True)
        return made.token, photos * mib * 2**20
    finally:
        await close_services(s)


def start_portal(home: Path, port: int) -> subprocess.Popen[str]:
    env = dict(os.environ, PHOTOFLOW_HOME=str(home))
    proc = subprocess.Popen(
        [
            *PORTAL,
            "--home",
            str(home),
            "--as",
            ADMIN,
            "portal",
            "--host",
            HOST,
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if "PhotoFlow portal on" not in line:
        proc.kill()
        raise RuntimeError(f"the portal did not start: {line!r}")
    return proc


def session_cookie(base: str, token: str, jar: Path) -> None:
    subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-c", str(jar), "-b", str(jar), f"{base}/g/{token}"],
        check=True,
    )
    # The gallery asks the visitor's name once; a cookie with it is what the page would hold.
    page = subprocess.run(
        ["curl", "-s", "-c", str(jar), "-b", str(jar), f"{base}/gallery"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    form = ["--data-urlencode", f"csrf={csrf}", "--data-urlencode", "name=Bench"]
    curl = ["curl", "-s", "-o", "/dev/null", "-c", str(jar), "-b", str(jar)]
    subprocess.run([*curl, "-H", f"Origin: {base}", *form, f"{base}/name"], check=True)


def fetch(url: str, jar: Path | None, clients: int, size: int) -> float:
    """`clients` curls at once, each the whole file to /dev/null; MiB/s over all of them."""
    cookie = ["-b", str(jar)] if jar else []
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{size_download}", *cookie, url],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(clients)
    ]
    got = [int(p.communicate()[0] or 0) for p in procs]
    wall = time.perf_counter() - t0
    assert got == [size] * clients, (got, size)
    return clients * size / 2**20 / wall


def measure(url: str, jar: Path | None, size: int, runs: int, clients: int, pids: list[int]):  # type: ignore[no-untyped-def]
    rates, cpu = [], []
    for _ in range(runs):
        used = cpu_seconds(pids)
        rates.append(fetch(url, jar, clients, size))
        cpu.append((cpu_seconds(pids) - used) / (clients * size / 2**30))
    return statistics.median(rates), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--mb", type=int, default=64, help="MiB per final")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for tool in ("nginx", "curl"):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            sys.exit(f"{tool} is missing: apt-get install -y nginx-light curl")
    print(f"zip download benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="pf-zip-bench-") as tmp:
        work = Path(tmp)
        token, payload = asyncio.run(build(work, args.photos, args.mb))
        port = free_port()
        portal = start_portal(work / "home", port)
        nginx = None
        try:
            base = f"http://{HOST}:{port}"
            jar = work / "cookies"
            session_cookie(base, token, jar)
            static = work / "static"
            static.mkdir()
            zipped = static / "finals.zip"
            get = ["curl", "-s", "-f", "-b", str(jar), "-o"]
            t0 = time.perf_counter()  # the first download a client makes, to /dev/null
            subprocess.run([*get, os.devnull, f"{base}/api/downloads/finals.zip"], check=True)
            first = payload / 2**20 / (time.perf_counter() - t0)
            subprocess.run([*get, str(zipped), f"{base}/api/downloads/finals.zip"], check=True)
            with zipfile.ZipFile(zipped) as zf:
                assert zf.testzip() is None and len(zf.infolist()) == args.photos
            size = zipped.stat().st_size
            print(
                f"  {args.photos} finals of {args.mb} MiB: a {size / 2**20:.0f} MiB zip "
                f"({size - payload:,} bytes of zip structure), checked with testzip"
            )
            nginx, nport = start_nginx(work, work, static, 1)
            ours_url = f"{base}/api/downloads/finals.zip"
            theirs_url = f"http://{HOST}:{nport}/static/finals.zip"
            fetch(theirs_url, None, 1, size)  # both warm: the file in the page cache
            once, _ = measure(theirs_url, None, size, args.runs, 1, children(nginx.pid))
            print(
                f"  first download (CRCs recorded when the finals were made): portal zip "
                f"{first:7.0f} MiB/s   nginx file {once:7.0f} MiB/s   ratio {first / once:.2f} "
                f"(target >= 0.5: {'met' if first / once >= 0.5 else 'MISSED'})"
            )
            for clients in (1, 2):  # 2: the most zips one address may fetch at once
                ours, ours_cpu = measure(ours_url, jar, size, args.runs, clients, [portal.pid])
                theirs, theirs_cpu = measure(
                    theirs_url, None, size, args.runs, clients, children(nginx.pid)
                )
                print(
                    f"  {clients} client{'s' if clients > 1 else ' '}: portal zip {ours:7.0f} MiB/s "
                    f"({ours_cpu:.2f} CPU s/GiB)   nginx file {theirs:7.0f} MiB/s "
                    f"({theirs_cpu:.2f} CPU s/GiB)   ratio portal/nginx {ours / theirs:.2f} "
                    f"(target >= 0.5: {'met' if ours / theirs >= 0.5 else 'MISSED'})"
                )
        finally:
            for proc in (portal, nginx):
                if proc is not None and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()


if __name__ == "__main__":
    main()
