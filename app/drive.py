"""The studio's Drive, opened for a sync by the command line or the desktop: the addresses from
the studio's settings, the user's sign-in from `photoflow drive connect` (or Settings > Google
Drive), the upload sessions under the home."""

from __future__ import annotations

from core.errors import NotSignedIn
from core.policies import Actor
from core.services import Services
from sync.drive.connect import DriveAccounts
from sync.drive.remote import Drive, DriveError


async def studio_drive(services: Services, actor: Actor) -> Drive:
    """This user's Drive; NotSignedIn, in plain words, when they have not connected it here."""
    root = services.paths.root
    try:
        return await DriveAccounts(services, root, root / "drive").open(actor)
    except DriveError as exc:
        raise NotSignedIn(str(exc)) from None
