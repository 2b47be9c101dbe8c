"""The fake Drive for tests: one server per module, emptied before each test, and a Drive
signed in to it. Elsewhere in tests/, a conftest may import these fixtures by name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sync.drive.client import GoogleDrive
from tests.drive.fake_drive import FakeDrive
from tests.drive.harness import QUICK, REPO, connected_drive, endpoints_of

__all__ = ["QUICK", "REPO", "connected_drive", "endpoints_of"]


@pytest.fixture(scope="module")
def fake_drive_server() -> Iterator[FakeDrive]:
    fake = FakeDrive().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_drive(fake_drive_server: FakeDrive) -> FakeDrive:
    """The module's fake, empty: no files, no faults, no link rate, no tokens."""
    fake_drive_server.reset()
    return fake_drive_server


@pytest.fixture
async def drive(fake_drive: FakeDrive, tmp_path: Path) -> AsyncIterator[GoogleDrive]:
    """Our client, signed in to the fake, with QUICK patience."""
    drive = connected_drive(fake_drive, tmp_path / "drive-state")
    yield drive
    await drive.close()
