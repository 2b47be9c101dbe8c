"""Resumable upload sessions that outlive the process: resume_key -> the session URI Drive gave,
with the file's size and mtime (and md5 once known) so that a changed file starts over. One small
JSON file per key in the state folder, written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from core.fsutil import write_atomic


@dataclass(frozen=True)
class UploadSession:
    uri: str
    size: int
    mtime_ns: int
    file_id: str | None  # new content of this file, or None for a new file
    md5: str | None = None


class UploadSessions:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.upload.json"

    def load(self, key: str) -> UploadSession | None:
        try:
            return UploadSession(**json.loads(self._path(key).read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def save(self, key: str, session: UploadSession) -> None:
        write_atomic(self._path(key), json.dumps(asdict(session)).encode())

    def forget(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()
