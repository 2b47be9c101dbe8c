"""Fixtures shared by every test: a fresh home per test, on SQLite or on the throwaway PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

# Qt widgets are tested offscreen everywhere; a machine without a display is the normal case.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.bootstrap import close_services, open_services
from core.home import Home
from core.imaging.analyse import imaging_pool
from core.policies import Actor, Role
from core.services import Services
from tests.pgcluster import Cluster

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def photos_dir() -> Path:
    folder = Path(os.environ.get("PHOTOFLOW_TEST_PHOTOS", REPO.parent / "shared" / "photos"))
    if not (folder / "MANIFEST.tsv").exists():
        pytest.fail(f"the shared test photos are not at {folder}; set PHOTOFLOW_TEST_PHOTOS")
    return folder


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """Started once, the first time a test needs PostgreSQL; stopped at the end of the run."""
    cluster = Cluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def imaging_executor() -> Iterator[ProcessPoolExecutor]:
    pool = imaging_pool(2)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    if backend == "sqlite":
        return None
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
async def services(
    tmp_path: Path, database_url: str | None, imaging_executor: ProcessPoolExecutor
) -> AsyncIterator[Services]:
    s = await open_services(
        Home(tmp_path / "home"), database_url=database_url, executor=imaging_executor
    )
    try:
        yield s
    finally:
        await close_services(s)


@dataclass
class Studio:
    services: Services
    admin: Actor  # the installation's superadmin, working in the first studio
    photographer: Actor
    editor: Actor
    studio_admin: Actor


@pytest.fixture
async def studio(services: Services) -> Studio:
    s = services
    await s.tenants.initialise("Lumen Studio", "owner@lumen.test", "Olga Owner")
    owner = await s.users.actor_for("owner@lumen.test")
    await s.users.add(owner, "pia@lumen.test", Role.PHOTOGRAPHER, "Pia")
    await s.users.add(owner, "ed@lumen.test", Role.EDITOR, "Ed")
    await s.users.add(owner, "ada@lumen.test", Role.ADMIN, "Ada")
    return Studio(
        s,
        owner,
        await s.users.actor_for("pia@lumen.test"),
        await s.users.actor_for("ed@lumen.test"),
        await s.users.actor_for("ada@lumen.test"),
    )
