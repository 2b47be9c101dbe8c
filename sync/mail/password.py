"""The SMTP password of a PhotoFlow home: in the OS keyring, or where there is none, in the
home's 0600 file (the same store as the studio server's device token). A studio server keeps
one per studio (`studio`: its id), each studio's admin sets theirs (sync/server/mail_api.py)."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from sync.client.credentials import store_for

SERVICE = "photoflow-smtp"


class MailPassword:
    def __init__(
        self,
        home_root: Path,
        backend: KeyringBackend | None = None,
        *,
        studio: uuid.UUID | None = None,
    ) -> None:
        self.root = home_root
        self.key = str(home_root.resolve()) + (f"#{studio}" if studio is not None else "")
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        """Found when first needed: a studio without e-mail never touches the keyring."""
        if self._backend is None:
            self._backend = store_for(self.root)
        return self._backend

    def load(self) -> str | None:
        try:
            return self.backend.get_password(SERVICE, self.key) or None
        except KeyringError:
            return None

    def save(self, password: str) -> None:
        if password:
            self.backend.set_password(SERVICE, self.key, password)
        else:
            self.forget()

    def forget(self) -> None:
        with contextlib.suppress(PasswordDeleteError, KeyringError):
            self.backend.delete_password(SERVICE, self.key)
