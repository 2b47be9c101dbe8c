"""Connecting a PhotoFlow user to Google Drive: google-auth-oauthlib's installed-app flow (a
loopback redirect to this computer, PKCE), the account it signed in, and the tokens kept in the
keyring. Used by `photoflow drive connect|disconnect|status` and by Settings > Google Drive."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
from keyring.backend import KeyringBackend
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from sync.drive.client import (
    PATIENT,
    SCOPES,
    DriveEndpoints,
    GoogleDrive,
    credentials_for,
    open_drive,
)
from sync.drive.remote import DriveError, DriveSignInNeeded, DriveUnavailable
from sync.drive.retry import Timeouts
from sync.drive.tokens import DriveSignIn, DriveTokenStore

if TYPE_CHECKING:
    from core.policies import Actor
    from core.services import Services

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
SIGN_IN_MINUTES = 10
DONE_PAGE = "PhotoFlow is connected to Google Drive. You may close this window."


@dataclass(frozen=True)
class OAuthClient:
    """The installed app's OAuth client. Its secret is no secret: Google says an installed app
    cannot keep one, and PKCE is what protects the sign-in. From the studio settings
    drive_client_id and drive_client_secret (a studio registers its own in Google Cloud)."""

    client_id: str
    client_secret: str

    @classmethod
    def from_settings(cls, settings: Any) -> OAuthClient:
        if not settings.drive_client_id:
            raise DriveError(
                "No Google OAuth client is set up for this studio. An admin registers a desktop "
                "app in Google Cloud and runs: photoflow settings set drive_client_id=ID "
                "drive_client_secret=SECRET"
            )
        return cls(settings.drive_client_id, settings.drive_client_secret)

    def config(self, endpoints: DriveEndpoints) -> dict[str, Any]:
        return {
            "installed": {
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "auth_uri": endpoints.auth_uri,
                "token_uri": endpoints.token_uri,
                "redirect_uris": ["http://127.0.0.1"],
            }
        }


class _Flow(InstalledAppFlow):
    """The installed-app flow, handing its sign-in address to `show` (a browser, a terminal, the
    settings dialog) instead of choosing for itself."""

    show: Callable[[str], None] = print

    def authorization_url(self, **kwargs: Any) -> tuple[str, str]:
        address, state = super().authorization_url(**kwargs)
        self.show(address)
        return address, state


@contextlib.contextmanager
def _plain_http_if_loopback(endpoints: DriveEndpoints) -> Iterator[None]:
    """oauthlib insists on https; a token endpoint on this very computer (a test server, a local
    proxy) may speak plain http."""
    host = urlsplit(endpoints.token_uri).hostname
    if urlsplit(endpoints.token_uri).scheme != "http" or host not in LOOPBACK:
        yield
        return
    before = os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = before


def sign_in(
    endpoints: DriveEndpoints,
    client: OAuthClient,
    *,
    show: Callable[[str], None],
    timeout: float = SIGN_IN_MINUTES * 60,
) -> Credentials:
    """Blocking (run it on a worker thread): listens on a loopback port, calls show(address) with
    the Google address to open, and waits for the browser to come back with the code."""
    flow = _Flow.from_client_config(client.config(endpoints), scopes=list(SCOPES))
    flow.show = show
    try:
        with _plain_http_if_loopback(endpoints):
            return flow.run_local_server(
                host="127.0.0.1",
                port=0,
                open_browser=False,  # show() does, or prints the address
                authorization_prompt_message="",
                success_message=DONE_PAGE,
                timeout_seconds=int(timeout),
                access_type="offline",  # a refresh token, so sync runs without asking again
                prompt="consent",
            )
    except WSGITimeoutError:
        raise DriveError(
            f"Nobody finished signing in to Google within {timeout / 60:g} minutes; "
            "connect again when ready."
        ) from None
    except OAuth2Error as e:
        raise DriveError(f"Google did not allow the connection: {e.description or e.error}.") from e
    except OSError as e:
        raise DriveUnavailable(f"Google's sign-in page cannot be reached ({e}).") from e


class DriveAccounts:
    """Each PhotoFlow user's Google Drive connection on this computer (home)."""

    def __init__(
        self,
        services: Services,
        home_root: Path,
        state_dir: Path,
        keyring: KeyringBackend | None = None,  # else the OS keyring, or the home's 0600 file
    ) -> None:
        self.services = services
        self.home_root = home_root
        self.state_dir = state_dir
        self.keyring = keyring

    def _store(self, actor: Actor) -> DriveTokenStore:
        return DriveTokenStore(self.home_root, actor.email, self.keyring)

    async def _setup(self, actor: Actor) -> tuple[DriveEndpoints, Any]:
        _, settings = await self.services.settings.get(actor)
        return DriveEndpoints.from_settings(settings), settings

    async def account(self, actor: Actor) -> str | None:
        """The connected Google account's e-mail, or None."""
        saved = await asyncio.to_thread(self._store(actor).load)
        return saved.email if saved else None

    async def connect(self, actor: Actor, show: Callable[[str], None]) -> str:
        """The browser flow; show(address) is called from a worker thread. Returns the e-mail."""
        endpoints, settings = await self._setup(actor)
        client = OAuthClient.from_settings(settings)
        credentials = await asyncio.to_thread(sign_in, endpoints, client, show=show)
        drive = open_drive(endpoints, credentials, state_dir=self.state_dir)
        try:
            email = await drive.account()
        finally:
            await drive.close()
        saved = DriveSignIn(
            email=email,
            refresh_token=credentials.refresh_token or "",
            client_id=client.client_id,
            access_token=credentials.token,
        )
        await asyncio.to_thread(self._store(actor).save, saved)
        return email

    async def disconnect(self, actor: Actor) -> str | None:
        """Forgets the tokens on this computer; returns the account that was connected."""
        store = self._store(actor)
        saved = await asyncio.to_thread(store.load)
        await asyncio.to_thread(store.forget)
        return saved.email if saved else None

    async def open(self, actor: Actor, timeouts: Timeouts = PATIENT) -> GoogleDrive:
        """The user's Drive, ready for a sync; DriveSignInNeeded when not connected."""
        endpoints, settings = await self._setup(actor)
        saved = await asyncio.to_thread(self._store(actor).load)
        if saved is None or not saved.refresh_token:
            raise DriveSignInNeeded(
                "Google Drive is not connected for "
                f"{actor.email}: Settings > Google Drive > Connect, or photoflow drive connect."
            )
        credentials = credentials_for(
            endpoints,
            refresh_token=saved.refresh_token,
            client_id=saved.client_id,
            client_secret=settings.drive_client_secret,
            access_token=saved.access_token,
        )
        return open_drive(endpoints, credentials, state_dir=self.state_dir, timeouts=timeouts)
