"""The studio's Drive, opened for a sync by the command line or the desktop: the addresses from
the studio's settings, the user's sign-in, the upload sessions under the home."""

from __future__ import annotations

import os

from core.errors import PhotoFlowError
from core.policies import Actor
from core.services import Services
from sync.drive.client import DriveEndpoints, credentials_for, open_drive
from sync.drive.remote import Drive

NOT_CONNECTED = (
    "Google Drive is not connected; connect it in Studio > Settings > Google Drive, "
    "or run: photoflow drive connect"
)


async def studio_drive(services: Services, actor: Actor) -> Drive:
    """A Drive signed in as this user. The sign-in is the refresh token `photoflow drive
    connect` keeps; PHOTOFLOW_DRIVE_REFRESH_TOKEN stands in for it (unattended runs, tests)."""
    _name, settings = await services.settings.get(actor)
    endpoints = DriveEndpoints.from_settings(settings)
    refresh = os.environ.get("PHOTOFLOW_DRIVE_REFRESH_TOKEN") or ""
    if not refresh:
        raise PhotoFlowError(NOT_CONNECTED)
    credentials = credentials_for(
        endpoints,
        refresh_token=refresh,
        client_id=settings.drive_client_id,
        client_secret=settings.drive_client_secret,
    )
    return open_drive(endpoints, credentials, state_dir=services.paths.root / "drive")
