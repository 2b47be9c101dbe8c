"""Fixtures shared by every test: a fresh home per test, on SQLite or on the throwaway PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

# Qt widgets are tested offscreen everywhere; a machine without a display is the normal case.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.bootstrap import close_services, context_of, open_services
from core.catalog.rls import enter_studio
from core.home import Home
from core.imaging.analyse import imaging_pool
from core.policies import Actor, Role
from core.services import Services
from tests.mailserver import Inbox, smtp_server
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


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    """A local SMTP server (aiosmtpd) for a module's e-mail tests; stopped with the module."""
    with smtp_server() as server:
        yield server


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
    """None for SQLite; on PostgreSQL a fresh database set up by `photoflow server init` and the
    URL of its app role (no superuser, no BYPASSRLS, owns nothing), as the studio server uses:
    every PostgreSQL test runs under row-level security."""
    if backend == "sqlite":
        return None
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return server_database(cluster)


def server_database(cluster: Cluster, name: str | None = None) -> str:
    """A new database of `cluster` after `server init`: the app role's URL.

    Unnamed ones are copies of one database set up once per run (`CREATE DATABASE ... TEMPLATE`,
    a file copy): the same tables, policies, functions, grants and roles as `server init` made,
    at a fraction of the cost of running it (and every migration) for each test."""
    from app.server_setup import init_server_database

    if name is None:
        template = _STUDIO_TEMPLATES.get(cluster.port)
        if template is None:
            template = _STUDIO_TEMPLATES[cluster.port] = server_database(cluster, "studio_template")
        copy = f"t_{uuid.uuid4().hex[:12]}"
        cluster.create_database(copy, template="studio_template")
        return template.rsplit("/", 1)[0] + "/" + copy
    admin_url = cluster.create_database(name)
    # A thread of its own: the calling test's event loop may be running in this one.
    with ThreadPoolExecutor(1) as pool:
        done = pool.submit(asyncio.run, init_server_database(admin_url)).result()
    return done.app_url


_STUDIO_TEMPLATES: dict[int, str] = {}  # per cluster (its port): the template's app role URL


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


@asynccontextmanager
async def in_studio(services: Services, tenant_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
    """A session on the catalog whose transaction sees `tenant_id`'s rows: on PostgreSQL (row-level
    security) a transaction that entered no studio sees none. For tests that look underneath."""
    async with context_of(services).db.session() as session:
        await enter_studio(session, tenant_id)
        yield session


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
