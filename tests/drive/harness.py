"""What tests of anything that talks to Drive share: a Drive signed in to the fake, and patience
measured in milliseconds. Import from here (tests/drive/conftest.py only adds the fixtures)."""

from __future__ import annotations

from pathlib import Path

from sync.drive.client import DriveEndpoints, GoogleDrive, credentials_for, open_drive
from sync.drive.retry import Timeouts
from tests.drive.fake_drive import FakeDrive

REPO = Path(__file__).resolve().parents[2]

# Patience for tests: the same retries and breaker, in milliseconds instead of minutes.
QUICK = Timeouts(
    attempt=5.0,
    total=20.0,
    attempts=6,
    wait_initial=0.01,
    wait_max=0.2,
    wait_jitter=0.01,
    breaker_failures=3,
    breaker_pause=60.0,
    workers=4,
)


def endpoints_of(fake: FakeDrive) -> DriveEndpoints:
    return DriveEndpoints(api_url=fake.url, auth_uri=fake.auth_uri, token_uri=fake.token_uri)


def connected_drive(fake: FakeDrive, state_dir: Path, timeouts: Timeouts = QUICK) -> GoogleDrive:
    """A Drive signed in to the fake as a finished `photoflow drive connect` would leave it
    (no browser). Close it with `await drive.close()`."""
    access, refresh = fake.issue_tokens()
    endpoints = endpoints_of(fake)
    credentials = credentials_for(
        endpoints,
        refresh_token=refresh,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        access_token=access,
    )
    return open_drive(endpoints, credentials, state_dir=state_dir, timeouts=timeouts)
