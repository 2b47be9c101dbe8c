"""Our Drive client against the fake: what a sync sees on a good day and on a bad one."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.drive.client import CHUNK, GoogleDrive
from sync.drive.remote import (
    DriveChecksumMismatch,
    DriveNotFound,
    DriveQuotaExceeded,
    DriveSignInNeeded,
    DriveUnavailable,
)
from tests.drive.fake_drive import FakeDrive
from tests.drive.harness import QUICK, connected_drive


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two full 8 MiB chunks and a short last one."""
    path = tmp_path_factory.mktemp("big") / "IMG_0001.CR3"
    path.write_bytes(os.urandom(2 * CHUNK + 12345))
    return path


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


async def test_files_go_up_and_come_down_and_the_change_feed_tells_what_happened(
    drive: GoogleDrive, fake_drive: FakeDrive, big: Path, tmp_path: Path
) -> None:
    assert await drive.account() == fake_drive.email
    start = await drive.start_page_token()
    album = await drive.find_or_create_folder("Ann's Wedding", fake_drive.root_id, {"album": "a1"})
    assert (await drive.find_or_create_folder("Ann's Wedding", fake_drive.root_id)).id == album.id
    made_by_hand = fake_drive.put_folder("Retouched", album.id)  # an editor made it, no ids
    stamped = await drive.find_or_create_folder("Retouched", album.id, {"album": "a1"})
    assert stamped.id == made_by_hand.id and stamped.app_properties == {"album": "a1"}
    seen: list[tuple[int, int]] = []
    up = await drive.upload(
        big,
        name=big.name,
        parent_id=album.id,
        app_properties={"photo": "p1"},
        resume_key="p1",
        progress=lambda done, total: seen.append((done, total)),
    )
    size = big.stat().st_size
    assert (up.size, up.md5, up.app_properties) == (size, md5(big.read_bytes()), {"photo": "p1"})
    assert seen == [(CHUNK, size), (2 * CHUNK, size), (size, size)]
    assert {f.id for f in await drive.children(album.id)} == {up.id, stamped.id}

    dest = tmp_path / "down" / big.name
    await drive.download(up.id, dest, md5=up.md5 or "")
    assert dest.read_bytes() == big.read_bytes()
    assert os.listdir(dest.parent) == [big.name]  # no temp left behind

    moved = await drive.update(
        up.id, name="renamed.CR3", add_parent=fake_drive.root_id, remove_parent=album.id
    )
    assert moved.parents == (fake_drive.root_id,) and moved.version > up.version
    await drive.trash(album.id)
    other = fake_drive.put_file("from-editor.jpg", None, b"retouched")
    fake_drive.delete(other.id)

    changes, token = await drive.changes(start)
    by_id = {c.file_id: c for c in changes}
    assert by_id[album.id].file is not None and by_id[album.id].file.trashed
    assert by_id[up.id].file is not None and by_id[up.id].file.name == "renamed.CR3"
    assert by_id[other.id].removed and by_id[other.id].file is None
    assert await drive.changes(token) == ([], token)
    with pytest.raises(DriveNotFound):
        await drive.get(other.id)


@pytest.mark.parametrize(
    "kind, options",
    [
        ("rate_limit", {}),
        ("user_rate_limit", {}),
        ("too_many", {}),
        ("server_error", {"status": 500}),
        ("server_error", {"status": 503}),
        ("drop", {}),
    ],
)
async def test_every_transient_fault_is_retried_until_it_converges(
    drive: GoogleDrive, fake_drive: FakeDrive, big: Path, kind: str, options: dict
) -> None:
    fake_drive.fail(kind, 2, method="GET", path="/files", **options)
    fake_drive.fail(kind, 2, method="PUT", **options)
    up = await drive.upload(
        big, name=big.name, parent_id=fake_drive.root_id, app_properties={}, resume_key="k"
    )
    assert up.md5 == md5(big.read_bytes())
    assert [f.id for f in await drive.children(fake_drive.root_id)] == [up.id]
    assert fake_drive.pending_faults() == 0
    assert fake_drive.file(up.id).data == big.read_bytes()


async def test_a_connection_dropped_mid_chunk_resumes_from_what_drive_kept(
    drive: GoogleDrive, fake_drive: FakeDrive, big: Path
) -> None:
    fake_drive.fail("drop", 1, method="PUT")  # the first chunk: half of it arrives
    up = await drive.upload(
        big, name=big.name, parent_id=fake_drive.root_id, app_properties={}, resume_key="k"
    )
    assert fake_drive.file(up.id).data == big.read_bytes()
    # The dropped chunk, a status query, then on from the 4 MiB Drive kept: 8 MiB and the rest.
    assert fake_drive.count("PUT") == 4


async def test_a_slow_answer_times_out_and_is_tried_again(
    fake_drive: FakeDrive, tmp_path: Path
) -> None:
    drive = connected_drive(fake_drive, tmp_path / "state", replace(QUICK, attempt=0.3))
    try:
        fake_drive.fail("slow", 1, delay=1.0, path="/about")
        started = time.monotonic()
        assert await drive.account() == fake_drive.email
        assert time.monotonic() - started < 1.0
        assert fake_drive.count("GET", "/about") == 2
    finally:
        await drive.close()


async def test_calls_run_side_by_side_on_the_worker_threads(
    drive: GoogleDrive, fake_drive: FakeDrive
) -> None:
    fake_drive.fail("slow", 1, delay=1.5, path="/about")
    slow = asyncio.create_task(drive.account())
    while fake_drive.count("GET", "/about") == 0:
        await asyncio.sleep(0.01)
    started = time.monotonic()
    await drive.start_page_token()
    assert time.monotonic() - started < 1.0  # did not wait for the slow one
    assert await slow == fake_drive.email


async def test_retry_after_is_honoured(drive: GoogleDrive, fake_drive: FakeDrive) -> None:
    fake_drive.fail("too_many", 1, retry_after=1, path="/about")
    started = time.monotonic()
    await drive.account()
    assert 1.0 <= time.monotonic() - started < 3.0


async def test_the_breaker_opens_after_repeated_failures_and_says_sync_is_paused(
    fake_drive: FakeDrive, tmp_path: Path
) -> None:
    drive = connected_drive(fake_drive, tmp_path / "state", replace(QUICK, attempts=2))
    try:
        fake_drive.fail("server_error", 1000, path="/about")
        for _ in range(QUICK.breaker_failures - 1):
            with pytest.raises(DriveUnavailable, match="tried several times"):
                await drive.account()
        with pytest.raises(DriveUnavailable, match="sync is paused until"):
            await drive.account()
        asked = fake_drive.count("GET", "/about")
        with pytest.raises(DriveUnavailable, match="sync is paused until"):
            await drive.account()
        assert fake_drive.count("GET", "/about") == asked  # open: Drive is left alone
        until = drive.paused_until()
        assert until is not None and 59 < (until - datetime.now(UTC)).total_seconds() <= 60
    finally:
        await drive.close()


async def test_401_refreshes_the_token_once_then_asks_to_reconnect(
    drive: GoogleDrive, fake_drive: FakeDrive
) -> None:
    fake_drive.expire_access_tokens()
    assert await drive.account() == fake_drive.email
    assert fake_drive.count("POST", "/token") == 1

    fake_drive.fail("unauthorized", 2, path="/about")  # still refused after the refresh
    with pytest.raises(DriveSignInNeeded, match="Connect again"):
        await drive.account()
    assert fake_drive.count("POST", "/token") == 2

    fake_drive.revoke()
    with pytest.raises(DriveSignInNeeded, match="Connect again"):
        await drive.start_page_token()
    assert fake_drive.count("POST", "/token") == 3  # no retry storm on a revoked sign-in


async def test_a_token_refused_mid_upload_is_refreshed_and_the_chunk_resumes(
    drive: GoogleDrive, fake_drive: FakeDrive, big: Path
) -> None:
    fake_drive.fail("unauthorized", 1, method="PUT")
    started = time.monotonic()
    up = await drive.upload(
        big, name=big.name, parent_id=fake_drive.root_id, app_properties={}, resume_key="k"
    )
    assert fake_drive.file(up.id).data == big.read_bytes()
    assert fake_drive.count("POST", "/token") == 1
    assert time.monotonic() - started < QUICK.attempt  # no chunk waited for a timeout


@pytest.mark.parametrize(
    "kind, words", [("quota", "account is full"), ("daily_limit", "daily limit")]
)
async def test_quota_exhausted_is_said_plainly_and_not_retried(
    drive: GoogleDrive, fake_drive: FakeDrive, big: Path, kind: str, words: str
) -> None:
    fake_drive.fail(kind, 10, method="POST", path="/upload")
    with pytest.raises(DriveQuotaExceeded, match=words):
        await drive.upload(
            big, name=big.name, parent_id=fake_drive.root_id, app_properties={}, resume_key="k"
        )
    assert fake_drive.count("POST", "/upload") == 1


async def test_a_download_that_does_not_match_its_md5_leaves_no_file(
    drive: GoogleDrive, fake_drive: FakeDrive, tmp_path: Path
) -> None:
    file = fake_drive.put_file("a.jpg", None, b"what Drive has")
    dest = tmp_path / "album" / "a.jpg"
    with pytest.raises(DriveChecksumMismatch, match="nothing was kept"):
        await drive.download(file.id, dest, md5=md5(b"what the listing said"))
    assert os.listdir(dest.parent) == []


async def test_a_partial_download_carries_on_from_where_it_stopped(
    drive: GoogleDrive, fake_drive: FakeDrive, big: Path, tmp_path: Path
) -> None:
    data = big.read_bytes()
    file = fake_drive.put_file(big.name, None, data)
    dest = tmp_path / big.name
    dest.with_name(f".{big.name}.pf-drive-part").write_bytes(data[:CHUNK])
    await drive.download(file.id, dest, md5=md5(data))
    assert dest.read_bytes() == data
    assert fake_drive.count("GET", "alt=media") == 2  # the second chunk and the short last one
