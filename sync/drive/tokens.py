"""Where a PhotoFlow user's Google Drive sign-in is kept on this computer: the OS keyring, or the
0600 file in the home where no keyring is usable (the same choice as the studio server's device
token, sync/client/credentials.py). One entry per home and user: two people sharing a computer
each connect their own Drive."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keyring.backend import KeyringBackend

from sync.client.credentials import KeptRecord

SERVICE = "photoflow-google-drive"


@dataclass(frozen=True)
class DriveSignIn:
    """What stays after `photoflow drive connect`: the account and its refresh token."""

    email: str
    refresh_token: str
    client_id: str
    access_token: str | None = None


class DriveTokenStore(KeptRecord[DriveSignIn]):
    def __init__(
        self, home_root: Path, user_email: str, backend: KeyringBackend | None = None
    ) -> None:
        key = f"{home_root.resolve()}#{user_email.strip().lower()}"
        super().__init__(SERVICE, key, DriveSignIn, home_root, backend)
