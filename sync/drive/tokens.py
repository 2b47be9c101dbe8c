"""Where a PhotoFlow user's Google Drive sign-in is kept on this computer: the OS keyring, or the
0600 file in the home where no keyring is usable (the same choice as the studio server's device
token, sync/client/credentials.py). One entry per home and user: two people sharing a computer
each connect their own Drive."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from sync.client.credentials import store_for

SERVICE = "photoflow-google-drive"


@dataclass(frozen=True)
class DriveSignIn:
    """What stays after `photoflow drive connect`: the account and its refresh token."""

    email: str
    refresh_token: str
    client_id: str
    access_token: str | None = None


class DriveTokenStore:
    def __init__(
        self, home_root: Path, user_email: str, backend: KeyringBackend | None = None
    ) -> None:
        self.key = f"{home_root.resolve()}#{user_email.strip().lower()}"
        self.backend = backend or store_for(home_root)

    def load(self) -> DriveSignIn | None:
        try:
            text = self.backend.get_password(SERVICE, self.key)
        except KeyringError:
            return None
        if not text:
            return None
        try:
            return DriveSignIn(**json.loads(text))
        except (ValueError, TypeError):
            return None

    def save(self, sign_in: DriveSignIn) -> None:
        self.backend.set_password(SERVICE, self.key, json.dumps(asdict(sign_in)))

    def forget(self) -> None:
        with contextlib.suppress(PasswordDeleteError, KeyringError):
            self.backend.delete_password(SERVICE, self.key)
