"""A desktop's device token: in the OS keyring where one is usable, else in a file in the home
that only its user can read. Every keyring here lives in tmp_path, never the real user's."""

from __future__ import annotations

import stat
from pathlib import Path

import keyring.core
import pytest
from keyring.backends.fail import Keyring as NoKeyring
from keyrings.alt.file import PlaintextKeyring

from sync.client.credentials import (
    Credentials,
    CredentialStore,
    FileKeyring,
    usable,
)

SIGNED_IN = Credentials("https://studio.example", "t" * 43, "pia@lumen.test", "d-1")


def test_without_a_keyring_the_token_is_kept_in_a_file_only_its_user_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    before = keyring.core.get_keyring()
    keyring.core.set_keyring(NoKeyring())
    try:
        home = tmp_path / "home"
        store = CredentialStore(home)
        assert isinstance(store.backend, FileKeyring)
        assert store.load() is None
        store.save(SIGNED_IN)
        kept = home / "studio-server-keyring.cfg"
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert CredentialStore(home).load() == SIGNED_IN  # a later run finds it
        kept.chmod(0o644)  # someone loosened it: the next save tightens it again
        store.save(SIGNED_IN)
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        store.forget()
        assert CredentialStore(home).load() is None
        store.forget()  # forgetting twice is fine
        assert not (tmp_path / "xdg").exists()
    finally:
        keyring.core.set_keyring(before)


class OsKeyring:
    """Stands for the Keychain or Secret Service: a backend with a real priority. Not a
    KeyringBackend subclass: keyring would find every such class and offer it as the process's
    keyring, to every other test of the run."""

    priority = 5


def test_only_a_real_os_keyring_counts() -> None:
    assert usable(OsKeyring())
    assert not usable(NoKeyring())
    assert not usable(PlaintextKeyring())  # keyrings.alt's own file, wherever it likes
