"""`photoflow watch`: a script follows the studio's changes as they happen, resumes from a number
it remembered, and stops cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from tests.integration.cli import env_for, photoflow


def start_watch(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.main", "watch", *args],
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def ok(home: Path, *args: str) -> None:
    r = photoflow(home, *args)
    assert r.code == 0, (args, r.err)


def test_watch_prints_each_change_once_in_order_and_resumes_from_a_number(tmp_path: Path):
    home = tmp_path / "home"
    ok(home, "init", "--studio", "Lumen", "--admin", "ana@lumen.test")
    ok(home, "album", "create", "Smith Wedding")
    ok(home, "album", "create", "Portraits")

    watch = start_watch(home, "Smith Wedding", "--json", "--since", "0")
    try:
        first = json.loads(watch.stdout.readline())  # type: ignore[union-attr]
        assert first["kind"] == "album.created" and first["data"]["name"] == "Smith Wedding"
        ok(
            home, "album", "limits", "Portraits", "--min-select", "1", "--max-select", "3"
        )  # another album
        ok(home, "album", "limits", "Smith Wedding", "--min-select", "2", "--max-select", "9")
        live = json.loads(watch.stdout.readline())  # type: ignore[union-attr]
        assert live["kind"] == "album.changed" and live["data"]["max_select"] == 9
        assert live["seq"] > first["seq"] and live["by"] == "ana@lumen.test"
    finally:
        watch.send_signal(signal.SIGTERM)
        rest, err = watch.communicate(timeout=30)
    assert watch.returncode == 0 and "Traceback" not in err, err
    assert rest == ""  # nothing printed twice, nothing from the other album

    # A script that remembered `live["seq"]` picks up exactly what came after it.
    ok(home, "album", "create", "Later")
    resumed = start_watch(home, "--json", "--since", str(live["seq"]))
    try:
        line = json.loads(resumed.stdout.readline())  # type: ignore[union-attr]
        assert line["kind"] == "album.created" and line["data"]["name"] == "Later"
        assert line["seq"] == live["seq"] + 1
    finally:
        resumed.send_signal(signal.SIGINT)
        _, err = resumed.communicate(timeout=30)
    assert resumed.returncode == 130 and "Traceback" not in err, err


def test_watch_says_in_words_what_changed(tmp_path: Path):
    home = tmp_path / "home"
    ok(home, "init", "--studio", "Lumen", "--admin", "ana@lumen.test")
    watch = start_watch(home)
    try:
        assert "Watching the studio" in watch.stderr.readline()  # type: ignore[union-attr]
        ok(home, "album", "create", "Smith Wedding", "--client", "J. Smith")
        line = watch.stdout.readline()  # type: ignore[union-attr]
    finally:
        watch.send_signal(signal.SIGTERM)
        watch.communicate(timeout=30)
    assert "album.created" in line and "Smith Wedding" in line and "(ana@lumen.test)" in line
