"""Sessions, CSRF tokens, CSP nonces and origin checks for the portal.

The share-link token is exchanged on the first visit for a signed session cookie (HttpOnly,
SameSite=Lax, Secure behind HTTPS); the token then never appears in a URL the page can leak. The
cookie names the link, a random session id, whether the PIN was given, and the guest's name; it is
signed with a key kept by the studio's catalog (the home's on SQLite), so a restart keeps the
galleries open and every process of a fleet knows every visitor. Whether the link still works is
checked against the catalog on every request, never trusted from the cookie.

Behind a proxy, the client's address comes from X-Forwarded-For only when the peer is one of the
proxies the portal was told to trust.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from aiohttp import hdrs, web

COOKIE = "pf_session"
SESSION_MAX_AGE_S = 30 * 24 * 3600
VERIFIED_MAX = 20_000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Session:
    link_id: uuid.UUID
    sid: str
    pin_ok: bool
    name: str
    issued: int
    download_ok: bool = False  # the link's download PIN was given (where it has one)

    def with_pin(self) -> Session:
        return replace(self, pin_ok=True)

    def with_download_pin(self) -> Session:
        return replace(self, download_ok=True)

    def named(self, name: str) -> Session:
        return replace(self, name=name)


class Sessions:
    @classmethod
    def unkeyed(cls) -> Sessions:
        """Signs with a random key until the shared one is known (the app's startup sets it)."""
        return cls(secrets.token_bytes(32))

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"photoflow-portal-session" + secret).digest()
        self._csrf_key = hashlib.sha256(b"photoflow-portal-csrf" + secret).digest()
        # Cookies whose signature checked out: every picture of a gallery sends the same one, and
        # an identical string decodes to the identical session (only its age is checked again).
        self._verified: dict[str, Session] = {}
        # The same, keyed by the whole Cookie header: a gallery's requests repeat it byte for byte,
        # so the header need not be parsed again either.
        self._by_header: dict[str, Session] = {}

    def new(self, link_id: uuid.UUID, *, pin_ok: bool, name: str) -> Session:
        return Session(link_id, secrets.token_urlsafe(16), pin_ok, name, int(time.time()))

    def encode(self, s: Session) -> str:
        fields = {"l": str(s.link_id), "s": s.sid, "p": s.pin_ok, "n": s.name, "t": s.issued}
        if s.download_ok:
            fields["d"] = True
        body = _b64(json.dumps(fields, separators=(",", ":")).encode())
        return f"{body}.{_b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())}"

    def decode(self, value: str | None) -> Session | None:
        if not value:
            return None
        known = self._verified.get(value)
        if known is not None:
            return known if time.time() - known.issued <= SESSION_MAX_AGE_S else None
        if len(value) > 2000 or value.count(".") != 1:
            return None
        body, sig = value.split(".")
        want = _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(want, sig):
            return None
        try:
            d = json.loads(_unb64(body))
            session = Session(
                uuid.UUID(d["l"]),
                str(d["s"]),
                bool(d["p"]),
                str(d["n"]),
                int(d["t"]),
                d.get("d") is True,
            )
        except (ValueError, KeyError, TypeError):
            return None
        if time.time() - session.issued > SESSION_MAX_AGE_S:
            return None
        if len(self._verified) >= VERIFIED_MAX:
            self._verified.clear()
        self._verified[value] = session
        return session

    def from_request(self, request: web.Request) -> Session | None:
        """The request's verified session: `decode` of its cookie, remembered per Cookie header."""
        header = request.headers.get(hdrs.COOKIE)
        if not header:
            return None
        known = self._by_header.get(header)
        if known is None:
            known = self.decode(request.cookies.get(COOKIE))
            if known is None:
                return None
            if len(self._by_header) >= VERIFIED_MAX:
                self._by_header.clear()
            self._by_header[header] = known
        return known if time.time() - known.issued <= SESSION_MAX_AGE_S else None

    def csrf(self, s: Session) -> str:
        return _b64(hmac.new(self._csrf_key, s.sid.encode(), hashlib.sha256).digest())

    def csrf_ok(self, s: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf(s), str(token))

    def set_cookie(self, request: web.Request, response: web.StreamResponse, s: Session) -> None:
        response.set_cookie(
            COOKIE,
            self.encode(s),
            httponly=True,
            samesite="Lax",
            secure=is_https(request),
            path="/",
            max_age=SESSION_MAX_AGE_S,
        )


def is_https(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def origin_matches(request: web.Request) -> bool:
    """The Origin header names this very host (what a browser sends on same-origin requests)."""
    origin = request.headers.get("Origin")
    if origin == "null":
        # Under `Referrer-Policy: no-referrer` browsers send `Origin: null` on their own form
        # posts and fetches; Sec-Fetch-Site is set by the browser alone and cannot be forged.
        return request.headers.get("Sec-Fetch-Site") == "same-origin"
    if not origin:
        return False
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return parts.netloc.lower() == (request.host or "").lower()


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


_HOST_OK = re.compile(r"^[A-Za-z0-9.\-\[\]:]{1,255}$")


# For responses that are not HTML (pictures): no script runs at all, so no nonce is needed, and
# the one string serves every request.
IMAGE_CSP = (
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'none'; form-action 'none'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)


def csp(nonce: str, host: str) -> str:
    head, tail = _csp_around_nonce(host)
    return f"{head}{nonce}{tail}"


@functools.lru_cache(maxsize=256)
def _csp_around_nonce(host: str) -> tuple[str, str]:
    live = f"ws://{host} wss://{host}" if _HOST_OK.match(host or "") else ""
    return (
        "default-src 'none'; script-src 'nonce-",
        f"'; style-src 'self'; img-src 'self' blob:; connect-src 'self' {live}; ".replace("  ", " ")
        + "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
    )
