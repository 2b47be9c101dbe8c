"""kill -9 in the middle of an import, then the same import again: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from core.fsutil import TEMP_MARK
from core.imaging.analyse import hash_file
from tests.integration.cli import env_for, photoflow

N = 200


def make_card(folder: Path) -> None:
    folder.mkdir(parents=True)
    noise = Image.effect_noise((1600, 1200), 60).convert("RGB")
    for i in range(N):
        im = noise.rotate(i * 7, fillcolor=(i % 255, 90, 160))
        im.save(folder / f"DSC_{i:04d}.jpg", quality=90)


def catalog(home: Path) -> set[tuple[str, str, int, int]]:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        rows = db.execute(
            "select p.filename, v.content_hash, p.width, p.height from photos p "
            "join photo_versions v on v.photo_id = p.id where v.kind = 'original'"
        ).fetchall()
    return set(rows)


def library_files(home: Path) -> list[Path]:
    return [p for p in (home / "library").rglob("*") if p.is_file()]


def test_kill_9_mid_import_then_again_equals_one_clean_run(tmp_path: Path) -> None:
    card = tmp_path / "card"
    make_card(card)
    card_before = {p.name: hash_file(p) for p in card.iterdir()}
    crashed, clean = tmp_path / "crashed", tmp_path / "clean"
    for home in (crashed, clean):
        assert photoflow(home, "init", "--studio", "S", "--admin", "a@s.test").code == 0
        assert photoflow(home, "album", "create", "Shoot").code == 0

    proc = subprocess.Popen(
        [sys.executable, "-m", "app.main", "import", "Shoot", str(card), "--no-progress"],
        env=env_for(crashed),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len([p for p in library_files(crashed) if TEMP_MARK not in p.name]) >= N // 4:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    with sqlite3.connect(crashed / "catalog.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        partial = db.execute("select count(*) from photos").fetchone()[0]
    assert 0 < partial < N

    for placed in library_files(crashed):  # whatever carries a real name is whole
        if TEMP_MARK not in placed.name and placed.suffix == ".jpg":
            assert hash_file(placed) == hash_file(card / placed.name)

    again = photoflow(crashed, "import", "Shoot", str(card), "--json")
    assert again.code == 0, again.err
    report = again.json
    assert report["failed"] == []
    assert len(report["imported"]) + len(report["duplicates"]) == N
    assert len(report["duplicates"]) >= partial

    assert photoflow(clean, "import", "Shoot", str(card), "--json").code == 0
    assert catalog(crashed) == catalog(clean)
    assert len(catalog(crashed)) == N

    files = library_files(crashed)
    assert not [p for p in files if TEMP_MARK in p.name], "a temp file was left behind"
    originals = sorted(p for p in files if p.suffix == ".jpg")
    assert len(originals) == N
    by_name = {name: h for name, h, _, _ in catalog(crashed)}
    for path in originals:
        assert hash_file(path) == by_name[path.name]
    with sqlite3.connect(crashed / "catalog.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        hashes = db.execute("select preview_hash from photos where previews_ready").fetchall()
    assert len(hashes) == N  # previews a killed run had not made yet were made by the second
    for (h,) in hashes:
        assert (crashed / "cache" / "previews" / h[:2] / f"{h}_512.jpg").stat().st_size > 0
    assert {p.name: hash_file(p) for p in card.iterdir()} == card_before  # only ever read
