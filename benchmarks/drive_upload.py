"""Upload throughput to Drive through our client, against the link rate and against curl.

Run: .venv/bin/python benchmarks/drive_upload.py [--files 4] [--mib 64] [--rate-mb 100]

The fake Drive v3 server (tests/drive/fake_drive.py) runs in a process of its own with a link rate
(bytes per second, shared by every connection, as one network link). Our client uploads FILES
files of MIB MiB each the way a sync does (resumable sessions, 8 MiB chunks, each chunk waiting
for Drive's 308 before the next, the file's md5 computed alongside and checked against Drive's,
the session saved after the first chunk): once one file after another, once all at a time on
the client's worker threads. The reference is curl in the same run: one PUT of each whole file to
a resumable session of the fake (one request, no chunking, no checksum), one after another.
Target: ours >= 0.9x of the link rate.

What it leaves out: TLS (loopback is plain http), real Drive's latency (a round trip here is well
under a millisecond, on the Internet tens: the per-chunk wait costs more there, which is why
uploads also run several at a time), and Drive's own server-side limits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sync.drive.client import DriveEndpoints, credentials_for, open_drive

REPO = Path(__file__).resolve().parents[1]


def start_fake(rate: float) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.drive.fake_drive", "--rate", str(rate)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, json.loads(proc.stdout.readline())


async def ours(fake: dict[str, str], files: list[Path], state: Path, together: bool) -> float:
    endpoints = DriveEndpoints(fake["url"], fake["auth_uri"], fake["token_uri"])
    credentials = credentials_for(
        endpoints,
        refresh_token=fake["refresh"],
        client_id=fake["client_id"],
        client_secret=fake["client_secret"],
        access_token=fake["access"],
    )
    drive = open_drive(endpoints, credentials, state_dir=state)
    try:
        await drive.account()  # the connection and the thread are warm, as in a running sync

        async def one(path: Path) -> None:
            await drive.upload(
                path,
                name=path.name,
                parent_id=fake["root_id"],
                app_properties={},
                resume_key=f"{together}/{path.name}",
            )

        started = time.perf_counter()
        if together:
            await asyncio.gather(*(one(p) for p in files))
        else:
            for path in files:
                await one(path)
        return time.perf_counter() - started
    finally:
        await drive.close()


def curl(fake: dict[str, str], files: list[Path]) -> float:
    started = time.perf_counter()
    for path in files:
        size = path.stat().st_size
        start = subprocess.run(
            [
                "curl",
                "-sS",
                "-D",
                "-",
                "-o",
                "/dev/null",
                "-X",
                "POST",
                "-H",
                f"Authorization: Bearer {fake['access']}",
                "-H",
                "Content-Type: application/json",
                "-H",
                f"X-Upload-Content-Length: {size}",
                "--data",
                json.dumps({"name": path.name}),
                f"{fake['url']}upload/drive/v3/files?uploadType=resumable",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        location = next(
            line.split(":", 1)[1].strip()
            for line in start.stdout.splitlines()
            if line.lower().startswith("location:")
        )
        done = subprocess.run(
            [
                "curl",
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-X",
                "PUT",
                "-H",
                f"Authorization: Bearer {fake['access']}",
                "-H",
                f"Content-Range: bytes 0-{size - 1}/{size}",
                "-H",
                "Expect:",
                "--data-binary",
                f"@{path}",
                location,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout == "200", done.stdout
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--rate-mb", type=float, default=100.0, help="link rate, MB/s (10^6)")
    args = parser.parse_args()
    if not shutil.which("curl"):
        sys.exit("curl is missing: apt-get install -y curl")
    rate = args.rate_mb * 1e6
    print(
        f"Drive upload benchmark on {os.cpu_count()} cores: {args.files} x {args.mib} MiB, "
        f"link {args.rate_mb:g} MB/s"
    )
    with tempfile.TemporaryDirectory(prefix="pf-drive-bench-") as tmp:
        work = Path(tmp)
        files = []
        for n in range(args.files):
            path = work / f"IMG_{n:04d}.CR3"
            path.write_bytes(os.urandom(args.mib * 1024 * 1024))
            files.append(path)
        total = sum(p.stat().st_size for p in files)
        proc, fake = start_fake(rate)
        try:
            rows = [
                ("curl, one PUT per file", curl(fake, files)),
                (
                    "ours, one file after another",
                    asyncio.run(ours(fake, files, work / "s1", False)),
                ),
                ("ours, all files at a time", asyncio.run(ours(fake, files, work / "s2", True))),
            ]
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(10)
    reference = rows[0][1]
    for label, seconds in rows:
        mbps = total / seconds / 1e6
        print(
            f"  {label:30} {seconds:6.2f} s  {mbps:7.1f} MB/s  "
            f"{mbps / (args.rate_mb or mbps):5.2f}x link  {reference / seconds:5.2f}x curl"
        )


if __name__ == "__main__":
    main()
