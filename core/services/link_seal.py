"""Sealing a share link's token so that the studio can show the link again, and nobody else can.

The catalog finds a link by the SHA-256 of its token, as before; next to it, it may keep the token
sealed with a key that lives only in the home folder of the computer that made the link
(`links.key`, readable by its owner). The portal never needs that key: it only hashes what a client
brings. So a copy of the catalog (a backup, the studio's shared database) opens no gallery; only
someone holding both the catalog and that home's key file can rebuild a link, which is the
photographer's own computer.

Standard library only: a keystream from HMAC-SHA256 in counter mode over a random nonce, then an
HMAC-SHA256 tag over the link id, nonce and ciphertext (encrypt-then-MAC, separate keys).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from pathlib import Path

from core.fsutil import home_key

KEY_FILE = "links.key"
_VERSION = "s1"
_NONCE = 16
_TAG = 32


class SealBroken(Exception):
    """The sealed token cannot be opened here (another computer's key, or tampered)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSeal:
    """Seals and opens link tokens with this home's key (made on first use)."""

    def __init__(self, root: Path) -> None:
        self.path = root / KEY_FILE

    def _key(self, create: bool) -> bytes | None:
        return home_key(self.path, create=create)

    @staticmethod
    def _keys(master: bytes) -> tuple[bytes, bytes]:
        enc = hmac.new(master, b"photoflow link seal: encrypt", hashlib.sha256).digest()
        mac = hmac.new(master, b"photoflow link seal: authenticate", hashlib.sha256).digest()
        return enc, mac

    @staticmethod
    def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
        blocks = (
            hmac.new(key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest()
            for i in range((length + 31) // 32)
        )
        return b"".join(blocks)[:length]

    def seal(self, link_id: uuid.UUID, token: str) -> str:
        master = self._key(create=True)
        assert master is not None
        enc, mac = self._keys(master)
        nonce = secrets.token_bytes(_NONCE)
        plain = token.encode()
        sealed = bytes(
            a ^ b for a, b in zip(plain, self._stream(enc, nonce, len(plain)), strict=True)
        )
        tag = hmac.new(mac, link_id.bytes + nonce + sealed, hashlib.sha256).digest()
        return f"{_VERSION}.{_b64(nonce + sealed + tag)}"

    def open(self, link_id: uuid.UUID, sealed: str) -> str:
        master = self._key(create=False)
        version, _, body = sealed.partition(".")
        if master is None or version != _VERSION:
            raise SealBroken
        try:
            raw = _unb64(body)
        except ValueError:
            raise SealBroken from None
        if len(raw) <= _NONCE + _TAG:
            raise SealBroken
        nonce, data, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
        enc, mac = self._keys(master)
        want = hmac.new(mac, link_id.bytes + nonce + data, hashlib.sha256).digest()
        if not hmac.compare_digest(tag, want):
            raise SealBroken
        plain = bytes(a ^ b for a, b in zip(data, self._stream(enc, nonce, len(data)), strict=True))
        return plain.decode()
