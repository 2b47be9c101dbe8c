"""A studio server's sync API in a process of its own, for tests that kill it:
python -m tests.sync.serve DATABASE_URL PORT HOME  (prints "ready" once it listens)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from aiohttp import web

from app.bootstrap import close_services, open_services
from core.home import Home
from tests.sync.harness import sync_app


async def main(database_url: str, port: int, home: Path) -> None:
    services = await open_services(Home(home), database_url=database_url, follow=False)
    runner = web.AppRunner(sync_app(services))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await close_services(services)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])))
