"""The streamed zip of finals: what unzip tools and Python's zipfile read back."""

from __future__ import annotations

import asyncio
import io
import os
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from core.delivery_zip import FinalsZip, Member, ZipMismatch, export_folder, unique_names


def _files(folder: Path, sizes: list[int]) -> list[Path]:
    paths = []
    for i, size in enumerate(sizes):
        path = folder / f"f{i}.bin"
        path.write_bytes(os.urandom(size))
        paths.append(path)
    return paths


def test_members_read_back_whole_with_their_crc_and_names(tmp_path: Path):
    paths = _files(tmp_path, [0, 1, 5000, 300_001])
    when = datetime(2026, 6, 1, 14, 30, 12)
    names = ["Wedding-001.jpg", "Wedding-002.jpg", "Hochzeit-ä.jpg", "Wedding-001.jpg"]
    archive = FinalsZip(
        (Member(n, p, p.stat().st_size, when) for n, p in zip(names, paths, strict=True)),
        chunk=4096,
    )
    out = io.BytesIO()
    assert archive.write_to(out) == archive.size == len(out.getvalue())
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        assert zf.namelist() == [
            "Wedding-001.jpg", "Wedding-002.jpg", "Hochzeit-ä.jpg", "Wedding-001-2.jpg"
        ]  # fmt: skip
        for info, path in zip(zf.infolist(), paths, strict=True):
            assert info.compress_type == zipfile.ZIP_STORED
            assert zf.read(info) == path.read_bytes()
            assert info.date_time == (2026, 6, 1, 14, 30, 12)


def test_more_than_65535_members_use_the_zip64_end_record(tmp_path: Path):
    (one,) = _files(tmp_path, [3])
    archive = FinalsZip(Member(f"p{i}.jpg", one, 3) for i in range(65_600))
    path = tmp_path / "many.zip"
    assert archive.save(path) == archive.size == path.stat().st_size
    with zipfile.ZipFile(path) as zf:
        assert len(zf.infolist()) == 65_600
        assert zf.read("p65599.jpg") == one.read_bytes()


def test_streaming_yields_the_same_bytes_a_piece_at_a_time(tmp_path: Path):
    paths = _files(tmp_path, [10_000, 20_000])
    members = [Member(p.name, p, p.stat().st_size) for p in paths]

    async def collect() -> list[bytes]:
        return [piece async for piece in FinalsZip(members, chunk=1000).stream()]

    pieces = asyncio.run(collect())
    assert max(len(p) for p in pieces) <= 1000 + 200  # never a whole file at once
    whole = io.BytesIO()
    FinalsZip(members).write_to(whole)
    assert b"".join(pieces) == whole.getvalue()


def test_a_file_that_changed_size_stops_the_archive(tmp_path: Path):
    (path,) = _files(tmp_path, [100])
    archive = FinalsZip([Member("a.jpg", path, 100)])
    path.write_bytes(b"x" * 150)
    with pytest.raises(ZipMismatch):
        archive.write_to(io.BytesIO())
    target = tmp_path / "out" / "a.zip"
    with pytest.raises(ZipMismatch):
        archive.save(target)
    assert not target.exists() and list(target.parent.iterdir()) == []  # no half-written zip


def test_names_inside_stay_inside():
    assert unique_names(["../../etc/passwd", "a\\b.jpg", "", "x", "X"]) == [
        "etc/passwd", "a/b.jpg", "photo", "x", "X-2"
    ]  # fmt: skip
    assert unique_names(["..././x.jpg", "..\\..\\y.jpg", "/./z/../w.jpg", ".."]) == [
        "x.jpg", "y.jpg", "z/w.jpg", "photo"
    ]  # fmt: skip


def test_exporting_to_a_folder_writes_nothing_outside_it(tmp_path: Path):
    (path,) = _files(tmp_path, [100])
    folder = tmp_path / "out" / "inner"
    written = export_folder([Member("..././..././x.jpg", path, 100)], folder)
    assert written == [folder / "x.jpg"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["inner"]


def _open_fds(path: Path) -> list[str]:
    fds = Path("/proc/self/fd")
    found = []
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target == str(path):
            found.append(target)
    return found


def test_a_stream_cancelled_mid_read_closes_its_file_and_stays_cancelled(tmp_path: Path):
    """The server stopping (or a handler cancelled) while a piece is being read in its thread:
    the cancellation goes through as it is (no 'generator already executing'), and the file
    is closed once that piece is read. A FIFO holds the read until the test lets it go."""
    fifo = tmp_path / "final.jpg"
    os.mkfifo(fifo)
    archive = FinalsZip([Member("a.jpg", fifo, 100)], chunk=1000)

    async def main() -> None:
        pieces = archive.stream()
        header = await anext(pieces)  # the member's header; the next read waits in open()
        assert header.startswith(b"PK")

        async def reader() -> None:
            async for _ in pieces:
                pass

        task = asyncio.create_task(reader())
        await asyncio.sleep(0)  # the reader waits on its thread now
        task.cancel()

        def let_go() -> None:
            with fifo.open("wb") as w:
                w.write(b"x" * 100)

        await asyncio.to_thread(let_go)
        with pytest.raises(asyncio.CancelledError):
            await task
        assert _open_fds(fifo) == []

    asyncio.run(main())


def test_a_file_rewritten_in_place_gets_its_new_crc(tmp_path: Path):
    """CRCs are remembered per file identity, so a second zip skips the CRC pass; a file
    changed since (same size, new bytes) is not taken for the one remembered."""
    (path,) = _files(tmp_path, [4096])
    members = [Member("a.jpg", path, 4096)]
    for _ in range(2):
        out = io.BytesIO()
        FinalsZip(members).write_to(out)
        with zipfile.ZipFile(out) as zf:
            assert zf.testzip() is None
    path.write_bytes(os.urandom(4096))
    out = io.BytesIO()
    FinalsZip(members).write_to(out)
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None and zf.read("a.jpg") == path.read_bytes()


def test_the_crc_recorded_with_a_final_spares_the_first_zip_its_pass(tmp_path: Path):
    """A final's CRC is recorded when it is made: the first zip of it (in any process) sends it
    without a CRC pass; once the file is rewritten (a new modification time) that CRC is not
    trusted any more."""
    import zlib

    (path,) = _files(tmp_path, [4096])
    made = path.stat()
    member = Member(
        "a.jpg", path, 4096, crc32=zlib.crc32(path.read_bytes()), crc_mtime_ns=made.st_mtime_ns
    )
    assert member.known_crc(made) == member.crc32
    out = io.BytesIO()
    FinalsZip([member]).write_to(out)
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None

    path.write_bytes(os.urandom(4096))
    os.utime(path, ns=(made.st_atime_ns, made.st_mtime_ns + 1_000_000))
    assert member.known_crc(path.stat()) is None
    out = io.BytesIO()
    FinalsZip([member]).write_to(out)
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None and zf.read("a.jpg") == path.read_bytes()
