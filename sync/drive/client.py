"""The real Drive: google-api-python-client built from its packaged discovery document, rerouted
to the studio's settings, run on worker threads with one HTTP object each, retried and guarded by
a circuit breaker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DriveEndpoints:
    """Where Drive and Google's OAuth pages are: Google's, a proxy, or a test server."""

    api_url: str = "https://www.googleapis.com/"
    auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    token_uri: str = "https://oauth2.googleapis.com/token"

    @classmethod
    def from_settings(cls, settings: Any) -> DriveEndpoints:
        """From StudioSettings' drive_api_url, drive_auth_uri and drive_token_uri."""
        return cls(settings.drive_api_url, settings.drive_auth_uri, settings.drive_token_uri)
