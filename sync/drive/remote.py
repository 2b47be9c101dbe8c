"""What the sync engine sees of Drive: files, changes, the errors a person must hear about, and the
async facade every Drive call goes through (sync/drive/client.py makes the real one)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from core.errors import PhotoFlowError

FOLDER_MIME = "application/vnd.google-apps.folder"


@dataclass(frozen=True)
class RemoteFile:
    id: str
    name: str
    parents: tuple[str, ...]
    mime_type: str
    md5: str | None  # None for folders
    size: int | None  # None for folders
    version: int
    modified: datetime  # aware UTC
    trashed: bool
    app_properties: Mapping[str, str] = field(default_factory=dict)
    modified_by: str = ""  # the name of who last changed it, as Drive says ("": not said)

    @property
    def is_folder(self) -> bool:
        return self.mime_type == FOLDER_MIME


@dataclass(frozen=True)
class RemoteChange:
    file_id: str
    removed: bool  # removed from the user's view (deleted for good or access lost)
    file: RemoteFile | None  # None when removed


class DriveError(PhotoFlowError):
    """Plain-words message in str(e) (a PhotoFlowError: the CLI and the desktop show it as is)."""


class DriveUnavailable(DriveError):
    """Retries exhausted or the circuit breaker is open: pause sync, say so."""


class DriveSignInNeeded(DriveError):
    """401 after one token refresh: the user must reconnect."""


class DriveQuotaExceeded(DriveError):
    """storageQuotaExceeded / daily limit: a clear message, no retry storm."""


class DriveNotFound(DriveError):
    """The file is not there (deleted, or never shared with this account)."""


class DriveChecksumMismatch(DriveError):
    """A download's bytes do not match Drive's md5Checksum: nothing was kept."""


class Drive(Protocol):
    """Async facade; each call runs on a worker thread with its own HTTP object; retried;
    breaker-guarded."""

    async def account(self) -> str:
        """The signed-in e-mail (about.get user)."""
        ...

    async def start_page_token(self) -> str: ...

    async def changes(self, page_token: str) -> tuple[list[RemoteChange], str]:
        """Every page from page_token on; returns the changes and the new start token."""
        ...

    async def children(self, folder_id: str) -> list[RemoteFile]:
        """One folder's files and folders, every page (first sync only)."""
        ...

    async def get(self, file_id: str) -> RemoteFile: ...

    async def find_or_create_folder(
        self, name: str, parent_id: str, app_properties: Mapping[str, str] | None = None
    ) -> RemoteFile: ...

    async def upload(
        self,
        path: Path,
        *,
        name: str,
        parent_id: str,
        app_properties: Mapping[str, str],
        resume_key: str,
        file_id: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> RemoteFile:
        """A new file, or new content of file_id; resumable in 8 MiB chunks; the session URI is
        persisted under resume_key so that a process killed mid-upload resumes in the next one."""
        ...

    async def download(self, file_id: str, dest: Path, *, md5: str) -> None:
        """To a temp file beside dest, md5 checked, fsynced, renamed; a partial temp resumes."""
        ...

    async def update(
        self,
        file_id: str,
        *,
        name: str | None = None,
        add_parent: str | None = None,
        remove_parent: str | None = None,
        app_properties: Mapping[str, str] | None = None,
    ) -> RemoteFile: ...

    async def trash(self, file_id: str) -> None: ...

    async def close(self) -> None: ...
