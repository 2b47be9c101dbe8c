"""The client portal under load, each figure beside a reference measured in the same run.

Run: .venv/bin/python benchmarks/portal_serving.py [--seconds 10] [--photos 1000] [--clients 500]

a. Preview throughput: wrk (-t2 -c50) on one grid preview through the portal at its
   content-addressed URL from the gallery JSON (session cookie, link check, picture in the
   link's set, watermark mark, security headers) against a throwaway nginx serving the very same
   JPEG from the preview cache. Target: ours/nginx >= 0.5, against one nginx worker for our one
   process (two workers shown beside it). nginx is set up as a static deployment would be:
   sendfile and tcp_nopush on, keep-alive, no access log (no open_file_cache, its default).
   The bare aiohttp line is the ceiling: the same bytes from memory on the same event loop.
b. Gallery JSON of a 1,000-photo album: median time to serve it, against nginx serving the same
   bytes as a static file.
c. A pick reaching the desktop side: 500 galleries connected to the live WebSocket, one client
   picks and unpicks; latency from sending the POST to the event arriving on an
   `events.subscribe(tenant_id)` subscription in the portal's process. Target: p99 <= 100 ms.

Beside each req/s figure, the server's CPU time per request (its processes' user + system time
over the requests wrk counted) and how many cores it kept busy: on a shared machine req/s moves
with whatever else runs, the CPU cost per request much less, and a server kept well under one
core busy was short of CPU in that run.

The portal runs in its own process, started the way `photoflow portal` starts (on uvloop where
it is installed), so the load generators never share its interpreter. Everything listens on
127.0.0.1 and stops at the end.
Needs Debian's `wrk` and `nginx-light` (`apt-get install -y wrk nginx-light`).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HOST = "127.0.0.1"


# --- the catalog -------------------------------------------------------------------------------


@dataclass
class Setup:
    root: Path
    previews: Path
    tenant_id: uuid.UUID
    proof_token: str
    proof_photo: uuid.UUID
    big_token: str
    live_token: str


def make_photos(folder: Path, n: int, size: tuple[int, int], prefix: str) -> list[Path]:
    """Noisy JPEGs (they compress like photos do), each with its own pixels."""
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    noise = Image.effect_noise(size, 40).convert("RGB")
    paths = []
    for i in range(n):
        im = Image.new("RGB", size, ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256))
        im = Image.blend(im, noise, 0.35)
        draw = ImageDraw.Draw(im)
        draw.rectangle(
            (size[0] // 8, size[1] // 8, size[0] // 2, size[1] // 2), fill=(200, 90, i % 256)
        )
        draw.text((20, size[1] - 40), f"{prefix}{i:04d}", fill=(255, 255, 255))
        path = folder / f"{prefix}{i:04d}.jpg"
        im.save(path, "JPEG", quality=88)
        paths.append(path)
    return paths


async def build(root: Path, n_big: int) -> Setup:
    from app.bootstrap import close_services, open_services
    from core.home import Home

    home = Home(root / "home")
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        services = await open_services(home, executor=pool)
        try:
            await services.tenants.initialise("Bench Studio", "admin@bench.test")
            actor = await services.users.actor_for("admin@bench.test")
            for name, n, size in (("Proofs", 6, (3000, 2000)), ("Big", n_big, (800, 533))):
                album = await services.albums.create(actor, name)
                paths = make_photos(root / "shoot" / name, n, size, name[:3].upper() + "_")
                t0 = time.perf_counter()
                report = await services.imports.run(actor, album.id, paths)
                assert not report.failed, report
                print(f"  imported {n} photos into {name} in {time.perf_counter() - t0:.1f} s")
                await services.albums.advance(actor, name)  # Stock
                await services.albums.advance(actor, name)  # Rate
            proof = await services.links.create(actor, "Proofs", guest_name="Bench")
            big = await services.links.create(actor, "Big", guest_name="Bench")
            live = await services.links.create(actor, "Proofs", guest_name="Watcher")
            access = await services.client.access(proof.id)
            gallery = await services.client.gallery(access.guest("Bench"))
            photo = gallery.photos[0].id
            return Setup(
                root=home.root,
                previews=home.previews,
                tenant_id=actor.tenant_id,
                proof_token=proof.token,
                proof_photo=photo,
                big_token=big.token,
                live_token=live.token,
            )
        finally:
            await close_services(services)


# --- the portal's process ----------------------------------------------------------------------


def serve(root: str, tenant_id: str, conn: Connection) -> None:
    """The portal process: a running portal plus the desktop side's event subscription, on the
    event loop `photoflow portal` runs on (uvloop where it is installed)."""
    from portal.server import run_standalone

    run_standalone(_serve(Path(root), uuid.UUID(tenant_id), conn))


async def _serve(root: Path, tenant_id: uuid.UUID, conn: Connection) -> None:
    from app.bootstrap import close_services, open_services
    from core.home import Home
    from portal.server import start_portal

    services = await open_services(Home(root))
    handle = await start_portal(services, HOST, 0)
    desktop = services.events.subscribe(tenant_id, size=100_000)
    arrivals: list[float] = []

    async def listen() -> None:
        async for event in desktop:
            if event.kind == "feedback.pick":
                arrivals.append(time.monotonic())

    listener = asyncio.create_task(listen())
    loop = asyncio.get_running_loop()
    conn.send(("ready", handle.port, f"{type(loop).__module__}.{type(loop).__name__}"))
    try:
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "arrivals":
                conn.send(list(arrivals))
                arrivals.clear()
            else:
                break
    finally:
        listener.cancel()
        desktop.close()
        await handle.stop()
        await close_services(services)
        conn.send("stopped")


def serve_floor(picture: str, conn: Connection) -> None:
    """What aiohttp itself costs: the same bytes from memory, no session, no checks, no headers,
    on the portal's own event loop."""
    from aiohttp import web

    from portal.server import run_standalone

    data = Path(picture).read_bytes()

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=data, content_type="image/jpeg")

    async def run() -> None:
        app = web.Application()
        app.router.add_get("/p", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, HOST, port).start()
        conn.send(port)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        await runner.cleanup()

    run_standalone(run())


# --- nginx and wrk -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_nginx(
    work: Path, previews: Path, static: Path, workers: int
) -> tuple[subprocess.Popen, int]:
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    conf = work / f"nginx-{workers}.conf"
    temp = work / "nginx-temp"
    temp.mkdir(exist_ok=True)
    conf.write_text(
        f"""
user root;
worker_processes {workers};
daemon off;
pid {work}/nginx-{workers}.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ image/jpeg jpg; application/json json; }}
    server {{
        listen {HOST}:{port};
        location /previews/ {{ alias {previews}/; }}
        location /static/ {{ alias {static}/; }}
    }}
}}
"""
    )
    proc = subprocess.Popen(
        [exe, "-c", str(conf), "-p", str(work), "-e", str(work / "nginx-error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx did not start: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
        try:
            socket.create_connection((HOST, port), 0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("nginx did not start listening")


@dataclass
class Load:
    """What wrk got from a server, and what each answer cost the server's processes in CPU time
    (user + system), which moves much less than req/s when others use the machine too."""

    rps: float
    cpu_us: float  # per request
    cores: float  # CPU time over wall time: 1.0 is one core busy all the while

    def cost(self) -> str:
        return f"server CPU {self.cpu_us:5.1f} us/req, {self.cores:.2f} cores busy"


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """nginx's workers: the processes whose parent is its master."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


def wrk(url: str, seconds: int, headers: list[str] = (), pids: list[int] = ()) -> Load:  # type: ignore[assignment]
    """A run with socket errors or non-2xx answers counts as a failure."""
    cmd = ["wrk", "-t2", "-c50", f"-d{seconds}s"]
    for h in headers:
        cmd += ["-H", h]
    used, t0 = cpu_seconds(list(pids)), time.monotonic()
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 30).stdout
    used, wall = cpu_seconds(list(pids)) - used, time.monotonic() - t0
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    n = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Load(rps, used / max(n, 1) * 1e6, used / wall)


# --- the measurements --------------------------------------------------------------------------


async def session_cookie(http, base: str, token: str) -> str:  # type: ignore[no-untyped-def]
    async with http.get(f"{base}/g/{token}", allow_redirects=False) as r:
        assert r.status in (302, 303), r.status
        return r.cookies["pf_session"].value


async def median_ms(http, url: str, headers: dict[str, str], runs: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    times, size = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        async with http.get(url, headers=headers) as r:
            assert r.status == 200, r.status
            size = len(await r.read())
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), size


def served_file(previews: Path, data: bytes) -> Path:
    for path in previews.rglob("*.jpg"):
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return path
    raise AssertionError("the portal served a preview that is not in the cache")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def live_picks(base: str, setup: Setup, conn: Connection, clients: int, picks: int) -> None:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        gate = asyncio.Semaphore(20)

        async def cookie() -> str:
            async with gate:
                return await session_cookie(http, base, setup.live_token)

        t0 = time.perf_counter()
        cookies = await asyncio.gather(*(cookie() for _ in range(clients)))
        heard = [0] * clients
        sockets = []
        for value in cookies:
            async with gate:
                ws = await http.ws_connect(
                    base + "/api/live", headers={"Origin": base, "Cookie": f"pf_session={value}"}
                )
            hello = await ws.receive_json(timeout=10)
            assert hello["type"] == "hello", hello
            sockets.append(ws)
        print(f"  {clients} galleries connected in {time.perf_counter() - t0:.1f} s")

        async def watch(i: int, ws) -> None:  # type: ignore[no-untyped-def]
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT and '"feedback.pick"' in msg.data:
                    heard[i] += 1

        watchers = [asyncio.create_task(watch(i, ws)) for i, ws in enumerate(sockets)]

        picker = await session_cookie(http, base, setup.proof_token)
        async with http.get(base + "/gallery", headers={"Cookie": f"pf_session={picker}"}) as r:
            csrf = re.search(r'name="csrf" (?:value|content)="([^"]+)"', await r.text()).group(1)  # type: ignore[union-attr]
        headers = {"Origin": base, "X-CSRF-Token": csrf, "Cookie": f"pf_session={picker}"}
        url = f"{base}/api/photos/{setup.proof_photo}/pick"
        sent, fanout = [], []
        for k in range(picks):
            start = time.monotonic()
            async with http.post(url, json={"picked": k % 2 == 0}, headers=headers) as r:
                assert r.status == 200, (r.status, await r.text())
            sent.append(start)
            deadline = time.monotonic() + 5
            while min(heard) < k + 1 and time.monotonic() < deadline:
                await asyncio.sleep(0.001)
            fanout.append((time.monotonic() - start) * 1000)
        conn.send("arrivals")
        arrived = conn.recv()
        for task in watchers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    assert len(arrived) == picks, (len(arrived), picks)
    latency = [(a - s) * 1000 for a, s in zip(arrived, sent, strict=True)]
    print(
        f"c. pick -> desktop subscription, {clients} live galleries open, {picks} picks:\n"
        f"   p50 {pct(latency, 0.5):.1f} ms  p99 {pct(latency, 0.99):.1f} ms  "
        f"max {max(latency):.1f} ms   (target p99 <= 100 ms: "
        f"{'met' if pct(latency, 0.99) <= 100 else 'MISSED'})\n"
        f"   pick -> notice on all {clients} sockets: p50 {pct(fanout, 0.5):.1f} ms  "
        f"p99 {pct(fanout, 0.99):.1f} ms  (all heard every pick: {min(heard) >= picks})"
    )


async def measure(setup: Setup, work: Path, port: int, pid: int, conn: Connection, args) -> None:  # type: ignore[no-untyped-def]
    import aiohttp

    base = f"http://{HOST}:{port}"
    static = work / "static"
    static.mkdir()
    procs = []
    try:
        async with aiohttp.ClientSession() as http:
            cookie = await session_cookie(http, base, setup.proof_token)
            big_cookie = await session_cookie(http, base, setup.big_token)
            # b. first, while nothing else has warmed the portal
            gallery_headers = {"Cookie": f"pf_session={big_cookie}"}
            async with http.get(base + "/api/gallery", headers=gallery_headers) as r:
                body = await r.read()
                assert r.status == 200 and body.count(b'"id"') >= args.photos, r.status
            (static / "gallery.json").write_bytes(body)

            nginx = {}
            for workers in (1, 2):
                proc, nport = start_nginx(work, setup.previews, static, workers)
                procs.append(proc)
                nginx[workers] = f"http://{HOST}:{nport}"

            # The file the portal hands out (the studio's watermarked copy while proofing,
            # by default) is the file nginx serves.
            # By its own address, as the gallery JSON lists it (immutable, content-addressed).
            proof_headers = {"Cookie": f"pf_session={cookie}"}
            async with http.get(base + "/api/gallery", headers=proof_headers) as r:
                proofs = await r.json()
            shown = next(p for p in proofs["photos"] if p["id"] == str(setup.proof_photo))
            ours_url = base + shown["pictures"]["grid"]
            async with http.get(ours_url, headers={"Cookie": f"pf_session={cookie}"}) as r:
                assert r.status == 200, r.status
                want = await r.read()
            served = served_file(setup.previews, want)
            rel = served.relative_to(setup.previews).as_posix()
            for server in nginx.values():
                async with http.get(f"{server}/previews/{rel}") as r:
                    assert r.status == 200 and await r.read() == want, r.status

            ours_ms, size = await median_ms(http, base + "/api/gallery", gallery_headers, 31)
            ref_ms, _ = await median_ms(http, nginx[1] + "/static/gallery.json", {}, 31)
            print(
                f"b. gallery JSON, {args.photos} photos ({size / 1024:.0f} KiB), median of 31:\n"
                f"   portal {ours_ms:.1f} ms   nginx static file of the same bytes "
                f"{ref_ms:.2f} ms   ratio portal/nginx time {ours_ms / ref_ms:.0f}x"
            )

        name = "watermarked grid preview" if rel.startswith("wm/") else "grid preview"
        print(f"a. one {name} ({len(want) / 1024:.0f} KiB), wrk -t2 -c50 -d{args.seconds}s:")
        cookie_header = [f"Cookie: pf_session={cookie}"]
        wrk(ours_url, 2, cookie_header)  # warm-up
        ours = wrk(ours_url, args.seconds, cookie_header, [pid])
        print(f"   portal            {ours.rps:8.0f} req/s   {ours.cost()}")
        for (workers, server), proc in zip(nginx.items(), procs, strict=True):
            theirs = wrk(f"{server}/previews/{rel}", args.seconds, pids=children(proc.pid))
            ratio = ours.rps / theirs.rps
            print(
                f"   nginx {workers} worker{'s' if workers > 1 else ' '}   {theirs.rps:8.0f} req/s"
                f"   {theirs.cost()}   ratio portal/nginx {ratio:.2f}"
                f"  (target >= 0.5: {'met' if ratio >= 0.5 else 'MISSED'})"
            )
        floor = floor_rps(served, args.seconds)
        print(
            f"   bare aiohttp      {floor.rps:8.0f} req/s   {floor.cost()}   ratio portal/bare "
            f"aiohttp {ours.rps / floor.rps:.2f}  (same bytes from memory, no checks: the most "
            "this server can do)"
        )
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(5)
    await live_picks(base, setup, conn, args.clients, args.picks)


def floor_rps(picture: Path, seconds: int) -> Load:
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=serve_floor, args=(str(picture), theirs))
    proc.start()
    try:
        url = f"http://{HOST}:{ours.recv()}/p"
        wrk(url, 2)
        return wrk(url, seconds, pids=[proc.pid])  # type: ignore[list-item]
    finally:
        ours.send("stop")
        proc.join(10)
        if proc.is_alive():
            proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--picks", type=int, default=200)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            sys.exit(f"{tool} is missing: apt-get install -y wrk nginx-light")
    print(f"portal serving benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="pf-portal-bench-") as tmp:
        work = Path(tmp)
        setup = asyncio.run(build(work, args.photos))
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        server = ctx.Process(target=serve, args=(str(setup.root), str(setup.tenant_id), theirs))
        server.start()
        try:
            ready, port, loop = ours.recv()
            assert ready == "ready"
            print(f"  the portal's process runs on {loop}, as `photoflow portal` does")
            asyncio.run(measure(setup, work, port, server.pid, ours, args))  # type: ignore[arg-type]
        finally:
            if server.is_alive():
                ours.send("stop")
                if ours.poll(10):
                    ours.recv()
                server.join(10)
                if server.is_alive():
                    server.kill()


if __name__ == "__main__":
    main()
