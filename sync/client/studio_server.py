"""A desktop talking to its studio server about staff: accept an invite, sign in, sign out, and an
admin's devices. The server decides who is asking from the device token; nothing here claims a
role."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from core.errors import (
    Conflict,
    Invalid,
    NotFound,
    NotPermitted,
    NotSignedIn,
    PhotoFlowError,
    TooManySignIns,
)
from core.services.staff import DeviceView
from sync.client.credentials import Credentials

API = "/api/v1"
TIMEOUT = aiohttp.ClientTimeout(total=30)


class ServerUnreachable(PhotoFlowError):
    """The studio server did not answer."""


def server_url(url: str) -> str:
    """The server's base URL; a plain 'host:port' means http."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(f"{url!r} is not a studio server address (such as https://studio.example).")
    return url


def _error(status: int, sentence: str, retry_after: str | None) -> PhotoFlowError:
    if status == 401:
        return NotSignedIn(sentence)
    if status == 429:
        return TooManySignIns(sentence, float(retry_after or 60))
    if status == 403:
        return NotPermitted(sentence)
    if status == 404:
        return NotFound(sentence)
    if status == 409:
        return Conflict(sentence)
    if 400 <= status < 500:
        return Invalid(sentence)
    return PhotoFlowError(f"The studio server failed ({status}): {sentence}")


def device_of(data: dict[str, Any]) -> DeviceView:
    def when(key: str) -> datetime | None:
        return datetime.fromisoformat(data[key]) if data.get(key) else None

    return DeviceView(
        uuid.UUID(data["id"]),
        data["name"],
        data["email"],
        datetime.fromisoformat(data["created_at"]),
        when("last_seen_at"),
        when("revoked_at"),
    )


class StudioServer:
    """One studio server, signed in with a device token or not yet."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = server_url(url)
        self.token = token

    @classmethod
    def signed_in(cls, credentials: Credentials) -> StudioServer:
        return cls(credentials.url, credentials.token)

    async def _ask(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as http,
                http.request(method, f"{self.url}{API}{path}", json=body, headers=headers) as r,
            ):
                try:
                    data = await r.json(content_type=None)
                except ValueError:
                    data = None
                if r.status >= 400:
                    sentence = data.get("error") if isinstance(data, dict) else None
                    raise _error(r.status, sentence or r.reason or "", r.headers.get("Retry-After"))
                return data
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            raise ServerUnreachable(
                f"The studio server at {self.url} cannot be reached ({type(exc).__name__})."
            ) from None

    async def accept_invite(self, code: str, password: str) -> dict[str, Any]:
        return await self._ask("POST", "/invites/accept", {"code": code, "password": password})

    async def sign_in(self, email: str, password: str, device: str) -> Credentials:
        data = await self._ask(
            "POST", "/sign-in", {"email": email, "password": password, "device": device}
        )
        self.token = data["token"]
        return Credentials(self.url, data["token"], data["email"], data["device"]["id"])

    async def me(self) -> dict[str, Any]:
        return await self._ask("GET", "/me")

    async def sign_out(self) -> None:
        await self._ask("POST", "/sign-out")

    async def invite(self, email: str, role: str, name: str = "") -> dict[str, Any]:
        return await self._ask("POST", "/invites", {"email": email, "role": role, "name": name})

    async def set_mail_password(self, password: str) -> None:
        """An admin gives the server the studio's SMTP password (kept in its keyring): the
        server's postman sends the studio's notices and reminders. Invalid when the studio's
        SMTP server refuses it; Conflict when the server has no SMTP server for the studio yet."""
        await self._ask("PUT", "/studio/mail-password", {"password": password})

    # The same two calls as services.staff offers an admin, so the desktop's Devices list works
    # with either (see ui/devices_panel.py).
    async def devices(self) -> list[DeviceView]:
        return [device_of(d) for d in await self._ask("GET", "/devices")]

    async def revoke_device(self, device_id: uuid.UUID | str) -> DeviceView:
        return device_of(await self._ask("POST", f"/devices/{device_id}/revoke"))
