"""Where a desktop keeps its studio server address and device token: the OS keyring (macOS
Keychain, Windows Credential Locker, Secret Service), or, where none is usable (a headless Linux
machine), a file in the PhotoFlow home that only its user may read (mode 0600)."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Generic, TypeVar

import keyring
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringError, PasswordDeleteError
from keyrings.alt.file import PlaintextKeyring

R = TypeVar("R")
SERVICE = "photoflow-studio-server"
FILE_NAME = "studio-server-keyring.cfg"
# Backends that are no real keyring: they fail, do nothing, or keep a file of their own choosing.
_NOT_A_KEYRING = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


@dataclass(frozen=True)
class Credentials:
    """What a signed-in desktop remembers: never the password."""

    url: str
    token: str
    email: str
    device_id: str


def usable(backend: KeyringBackend) -> bool:
    """A keyring of the operating system that can keep a secret without asking anything."""
    if isinstance(backend, ChainerBackend):
        return any(usable(b) for b in backend.backends)
    try:
        priority = float(backend.priority)  # type: ignore[arg-type]
    except Exception:
        return False
    return priority >= 1 and not type(backend).__module__.startswith(_NOT_A_KEYRING)


class FileKeyring(PlaintextKeyring):  # type: ignore[misc]
    """keyrings.alt's file backend, kept in the home and readable by its user only."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        folder.mkdir(parents=True, exist_ok=True)
        self.file_path = str(folder / FILE_NAME)

    def set_password(self, service: str, username: str, password: str) -> None:
        super().set_password(service, username, password)
        os.chmod(self.file_path, 0o600)  # also when the file was there before, made otherwise


def store_for(home_root: Path) -> KeyringBackend:
    """The OS keyring where one is usable; else the file in the home."""
    backend = keyring.get_keyring()
    return backend if usable(backend) else FileKeyring(home_root)


class KeptRecord(Generic[R]):
    """One dataclass record kept as JSON under `key` of `service` in the home's store; unreadable
    or missing reads as None."""

    def __init__(
        self,
        service: str,
        key: str,
        record: type[R],
        home_root: Path,
        backend: KeyringBackend | None,
    ) -> None:
        self.service, self.key, self.record = service, key, record
        self.backend = backend or store_for(home_root)

    def load(self) -> R | None:
        try:
            text = self.backend.get_password(self.service, self.key)
        except KeyringError:
            return None
        if not text:
            return None
        try:
            return self.record(**json.loads(text))
        except (ValueError, TypeError):
            return None

    def save(self, record: R) -> None:
        self.backend.set_password(self.service, self.key, json.dumps(asdict(record)))  # type: ignore[call-overload]

    def forget(self) -> None:
        with contextlib.suppress(PasswordDeleteError, KeyringError):
            self.backend.delete_password(self.service, self.key)


class CredentialStore(KeptRecord[Credentials]):
    """The device's credentials for one PhotoFlow home (a home is one studio connection)."""

    def __init__(self, home_root: Path, backend: KeyringBackend | None = None) -> None:
        super().__init__(SERVICE, str(home_root.resolve()), Credentials, home_root, backend)
