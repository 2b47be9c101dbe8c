"""An upload killed with -9 in one process resumes in the next from what Drive already has."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sync.drive.client import CHUNK
from tests.drive.fake_drive import FakeDrive
from tests.drive.harness import REPO


def start(job: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.drive.upload_process", str(job)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_an_upload_killed_mid_way_resumes_in_a_new_process(
    fake_drive: FakeDrive, tmp_path: Path
) -> None:
    data = os.urandom(5 * CHUNK + 777)
    path = tmp_path / "IMG_0001.CR3"
    path.write_bytes(data)
    access, refresh = fake_drive.issue_tokens()
    job = tmp_path / "job.json"
    job.write_text(
        json.dumps(
            {
                "api_url": fake_drive.url,
                "auth_uri": fake_drive.auth_uri,
                "token_uri": fake_drive.token_uri,
                "access": access,
                "refresh": refresh,
                "client_id": fake_drive.client_id,
                "client_secret": fake_drive.client_secret,
                "state_dir": str(tmp_path / "state"),
                "path": str(path),
                "parent_id": fake_drive.root_id,
                "key": "album-1/photo-1/original",
            }
        )
    )
    fake_drive.set_link_rate(40e6)  # slow enough to be killed between chunks
    first = start(job)
    try:
        assert first.stdout is not None
        assert first.stdout.readline().split()[:2] == ["chunk", str(CHUNK)]
        assert first.stdout.readline().split()[:2] == ["chunk", str(2 * CHUNK)]
        first.send_signal(signal.SIGKILL)
    finally:
        first.kill()
        first.wait()
        if first.stdout is not None:
            first.stdout.close()
    assert fake_drive.files() == []  # nothing finished
    sessions_started = fake_drive.count("POST", "uploadType=resumable")
    puts = fake_drive.count("PUT")

    fake_drive.set_link_rate(None)
    second = start(job)
    try:
        out, _ = second.communicate(timeout=60)
    finally:
        second.kill()
    assert second.returncode == 0
    done = out.split()[-3:]
    assert done[0] == "done" and done[2] == hashlib.md5(data).hexdigest()
    (file,) = fake_drive.files()
    assert file.id == done[1] and file.data == data and file.app_properties == {"photo": "p1"}
    assert fake_drive.count("POST", "uploadType=resumable") == sessions_started  # same session
    # A status query, then at most the 4 chunks from the second one on (the chunk in flight when
    # the first process died may or may not have landed).
    assert fake_drive.count("PUT") - puts <= 1 + 4
    assert not list((tmp_path / "state").glob("*.upload.json"))  # the session is forgotten
