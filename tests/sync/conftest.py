from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from app.bootstrap import close_services, open_services
from core.home import Home
from tests.conftest import server_database
from tests.pgcluster import Cluster
from tests.sync.harness import Desktop, Server, free_port, open_desktop, seed_studio


@pytest.fixture
def server_db(pg_cluster: Cluster) -> str:
    return server_database(pg_cluster)


@pytest.fixture
async def server(
    tmp_path: Path, server_db: str, imaging_executor: ProcessPoolExecutor
) -> AsyncIterator[Server]:
    services = await open_services(
        Home(tmp_path / "server"), database_url=server_db, executor=imaging_executor
    )
    await seed_studio(services)
    port = free_port()
    srv = Server(services, port)
    await srv.start(port)
    try:
        yield srv
    finally:
        await srv.stop()
        await close_services(services)


@pytest.fixture
async def desktops(
    tmp_path: Path, server: Server, imaging_executor: ProcessPoolExecutor
) -> AsyncIterator[Callable[[str, str], Awaitable[Desktop]]]:
    opened: list[Desktop] = []

    async def make(name: str, email: str) -> Desktop:
        desk = await open_desktop(tmp_path / name, server.url, email, imaging_executor)
        opened.append(desk)
        return desk

    try:
        yield make
    finally:
        for desk in opened:
            await desk.client.close()
            await close_services(desk.services)
