"""A portal fleet on PostgreSQL: how soon a pick taken by one portal process reaches the
galleries open on another, with 500 galleries open (issue 12: p99 <= 100 ms).

Run: .venv/bin/python benchmarks/fleet_latency.py [--picks 300] [--galleries 500]

Processes, as a studio runs them behind a load balancer:
- two portal processes, A and B (`photoflow portal`, the real command), each with a home of its
  own, sharing nothing but the PostgreSQL catalog;
- the galleries: 500 WebSockets open on B's live feed (a process of their own, the same as in
  benchmarks/journal_latency.py), each noting when it hears of the pick;
- this process, following the journal like a desktop connected to the studio's database.
One client picks and unpicks photos through A's HTTP API, one at a time, its session cookie made
by A and its sockets on B (no sticky sessions). For each pick: the POST's own round trip (the
reference), the time to this process's subscription, and to the first and the last of the 500
galleries on B. Beside them, the CPU time each portal process spent per pick (from /proc): a
figure that a busy machine disturbs much less than the latencies.

Leaves out: a proxy in front (everything is on 127.0.0.1), pgbouncer, the galleries' re-reading
of what changed (each gallery only notes the notice).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from journal_latency import HOST, cpu_seconds, env_for, free_port, galleries, pct

PROFILE_DIR = ""


def start_portal(home: Path, database_url: str, port: int) -> subprocess.Popen[str]:
    python = [sys.executable]
    if PROFILE_DIR:  # --profile: each portal under cProfile, its figures dumped at its stop
        python += ["-m", "cProfile", "-o", str(Path(PROFILE_DIR) / f"fleet-{home.name}.prof")]
    proc = subprocess.Popen(
        [*python, "-m", "app.main", "portal", "--host", HOST, "--port", str(port)],
        env=env_for(home, database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return proc


async def run(database_url: str, picks: int, count: int) -> dict[str, float]:
    import aiohttp

    from app.bootstrap import close_services, open_services
    from core.changes import Change
    from core.home import Home
    from tests.images import make_shoot

    work = Path(tempfile.mkdtemp(prefix="photoflow-fleet-"))
    home = Home(work / "home")
    services = await open_services(home, database_url=database_url)
    me = await services.tenants.initialise("Bench Studio", "admin@bench.test")
    actor = await services.users.actor_for(me.email)
    await services.albums.create(actor, "Wedding", max_select=10_000)
    await services.imports.run(actor, "Wedding", make_shoot(work / "card", 20))
    await services.albums.advance(actor, "Wedding")
    await services.albums.advance(actor, "Wedding")
    made = await services.links.create(actor, "Wedding", guest_name="Ann")

    ports = free_port(), free_port()
    a_url, b_url = (f"http://{HOST}:{p}" for p in ports)
    fleet = [
        start_portal(work / name, database_url, p) for name, p in zip("ab", ports, strict=True)
    ]
    gallery_proc = None
    try:
        for proc in fleet:
            await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            page = await (await http.get(a_url + "/g/" + made.token)).text()
            csrf = page.split('name="csrf" content="', 1)[1].split('"', 1)[0]
            gallery = await (await http.get(a_url + "/api/gallery")).json()
            photo_ids = [p["id"] for p in gallery["photos"]]
            cookies = {c.key: c.value for c in jar}

            ctx = multiprocessing.get_context("spawn")
            ours, theirs = ctx.Pipe()
            gallery_proc = ctx.Process(target=galleries, args=(b_url, cookies, count, theirs))
            gallery_proc.start()
            assert await asyncio.to_thread(ours.recv) == "ready"

            sub = services.events.subscribe(actor.tenant_id)
            headers = {"Origin": a_url, "X-CSRF-Token": csrf}
            to_desktop, round_trip, sent = [], [], []
            cpu_a = cpu_b = 0.0
            for n in range(picks + 20):  # the first 20 warm every process up
                if n == 20:
                    cpu_a, cpu_b = (cpu_seconds(p.pid) for p in fleet)
                photo = photo_ids[n % len(photo_ids)]
                picked = (n // len(photo_ids)) % 2 == 0
                t0 = time.monotonic()
                r = await http.post(
                    f"{a_url}/api/photos/{photo}/pick", json={"picked": picked}, headers=headers
                )
                t_ack = time.monotonic()
                assert r.status == 200, await r.text()
                while True:
                    event = await asyncio.wait_for(sub.get(), 10)
                    if event.kind is Change.FEEDBACK_PICK and str(event.photo_id) == photo:
                        break
                t_desk = time.monotonic()
                if n >= 20:
                    to_desktop.append((t_desk - t0) * 1000)
                    round_trip.append((t_ack - t0) * 1000)
                    sent.append(t0)
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.5)
            used_a, used_b = (cpu_seconds(p.pid) for p in fleet)
            sub.close()
            ours.send("done")
            marks = await asyncio.to_thread(ours.recv)
        first, last = [], []
        for n, t0 in enumerate(sent, start=20):
            if all(len(times) > n for times in marks):
                first.append((min(times[n] for times in marks) - t0) * 1000)
                last.append((max(times[n] for times in marks) - t0) * 1000)
        nan = float("nan")
        return {
            "picks": len(round_trip),
            "complete": len(last),
            "ack_p50": pct(round_trip, 0.5),
            "ack_p99": pct(round_trip, 0.99),
            "desk_p50": pct(to_desktop, 0.5),
            "desk_p99": pct(to_desktop, 0.99),
            "first_p50": pct(first, 0.5) if first else nan,
            "first_p99": pct(first, 0.99) if first else nan,
            "last_p50": pct(last, 0.5) if last else nan,
            "last_p99": pct(last, 0.99) if last else nan,
            "cpu_a_ms": (used_a - cpu_a) * 1000 / max(1, len(round_trip)),
            "cpu_b_ms": (used_b - cpu_b) * 1000 / max(1, len(round_trip)),
        }
    finally:
        if gallery_proc is not None:
            gallery_proc.join(10)
            if gallery_proc.is_alive():
                gallery_proc.kill()
        for proc in fleet:
            proc.terminate()
        for proc in fleet:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(20)
        await close_services(services)


def report(r: dict[str, float], count: int) -> None:
    print(
        f"\n== PostgreSQL 15, two portal processes: {int(r['picks'])} picks through A, {count} galleries open on B"
    )
    print(
        f"  pick acknowledged by A (reference)          p50 {r['ack_p50']:6.1f} ms   p99 {r['ack_p99']:6.1f} ms"
    )
    print(
        f"  pick reaching a desktop (this process)      p50 {r['desk_p50']:6.1f} ms   p99 {r['desk_p99']:6.1f} ms"
    )
    print(
        f"  the first gallery on B hearing of it        p50 {r['first_p50']:6.1f} ms   p99 {r['first_p99']:6.1f} ms"
    )
    print(
        f"  the last of the galleries on B hearing it   p50 {r['last_p50']:6.1f} ms   p99 {r['last_p99']:6.1f} ms"
        f"   (target p99 <= 100 ms; {int(r['complete'])} picks heard by all)"
    )
    print(
        f"  ... as a ratio to the acknowledgement       p50 {r['last_p50'] / r['ack_p50']:6.2f}x    p99 {r['last_p99'] / r['ack_p99']:6.2f}x"
    )
    print(
        f"  CPU per pick: portal A {r['cpu_a_ms']:.1f} ms (takes the pick), portal B {r['cpu_b_ms']:.1f} ms (fans it out)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--picks", type=int, default=300)
    parser.add_argument("--galleries", type=int, default=500)
    parser.add_argument("--profile", metavar="DIR", help="run the portals under cProfile")
    args = parser.parse_args()
    global PROFILE_DIR
    PROFILE_DIR = args.profile or ""
    from tests.pgcluster import Cluster

    cluster = Cluster().start()
    try:
        url = cluster.create_database("fleet_bench")
        report(asyncio.run(run(url, args.picks, args.galleries)), args.galleries)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
