"""Connecting to Google Drive, offline: the fake plays Google's sign-in and token pages, the test
plays the browser (it opens the address and follows the redirect to the loopback)."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from subprocess import PIPE
from urllib.parse import urlencode

import httplib2
import pytest
from keyring.backend import KeyringBackend

from app.bootstrap import close_services, open_services
from core.home import Home
from sync.client.credentials import FileKeyring
from sync.drive.client import open_drive
from sync.drive.connect import DONE_PAGE, DriveAccounts, OAuthClient, sign_in
from sync.drive.remote import DriveSignInNeeded
from tests.conftest import Studio
from tests.drive.fake_drive import FakeDrive
from tests.drive.harness import QUICK, REPO, endpoints_of


def fake_settings(fake: FakeDrive) -> dict[str, str]:
    return {
        "drive_api_url": fake.url,
        "drive_auth_uri": fake.auth_uri,
        "drive_token_uri": fake.token_uri,
        "drive_client_id": fake.client_id,
        "drive_client_secret": fake.client_secret,
    }


class Browser:
    """Opens an address in a thread of its own, follows redirects, keeps the last page."""

    def __init__(self) -> None:
        self.page: bytes | None = None
        self.threads: list[threading.Thread] = []

    def open(self, address: str) -> None:
        def visit() -> None:
            http = httplib2.Http(timeout=10)
            try:
                self.page = http.request(address)[1]
            finally:
                http.close()

        thread = threading.Thread(target=visit)
        thread.start()
        self.threads.append(thread)

    def close(self) -> None:
        for thread in self.threads:
            thread.join(10)


@pytest.fixture
def browser() -> Iterator[Browser]:
    b = Browser()
    yield b
    b.close()


def test_the_installed_app_flow_signs_in_with_pkce_through_the_loopback(
    fake_drive: FakeDrive, tmp_path: Path, browser: Browser
) -> None:
    endpoints = endpoints_of(fake_drive)
    client = OAuthClient(fake_drive.client_id, fake_drive.client_secret)
    credentials = sign_in(endpoints, client, show=browser.open, timeout=20)
    browser.close()
    assert browser.page == DONE_PAGE.encode()
    assert credentials.refresh_token and credentials.token
    assert fake_drive.count("GET", "code_challenge_method=S256") == 1  # PKCE, checked at /token

    async def account() -> str:
        drive = open_drive(endpoints, credentials, state_dir=tmp_path, timeouts=QUICK)
        try:
            return await drive.account()
        finally:
            await drive.close()

    assert asyncio.run(account()) == fake_drive.email


def test_googles_pages_refuse_a_sign_in_without_pkce(fake_drive: FakeDrive) -> None:
    http = httplib2.Http(timeout=10)
    http.follow_redirects = False
    query = urlencode(
        {
            "client_id": fake_drive.client_id,
            "response_type": "code",
            "redirect_uri": "http://127.0.0.1:9/",
        }
    )
    try:
        resp, content = http.request(f"{fake_drive.auth_uri}?{query}")
    finally:
        http.close()
    assert resp.status == 400 and b"PKCE" in content


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_each_user_connects_their_own_drive_and_can_disconnect(
    studio: Studio, fake_drive: FakeDrive, tmp_path: Path, browser: Browser
) -> None:
    s = studio.services
    await s.settings.update(
        studio.admin,
        drive_api_url=fake_drive.url,
        drive_auth_uri=fake_drive.auth_uri,
        drive_token_uri=fake_drive.token_uri,
        drive_client_id=fake_drive.client_id,
        drive_client_secret=fake_drive.client_secret,
    )
    keyring: KeyringBackend = FileKeyring(tmp_path / "home")
    accounts = DriveAccounts(s, tmp_path / "home", tmp_path / "drive", keyring)
    assert await accounts.account(studio.photographer) is None
    assert await accounts.connect(studio.photographer, browser.open) == fake_drive.email
    assert await accounts.account(studio.photographer) == fake_drive.email
    assert await accounts.account(studio.editor) is None  # per user

    drive = await accounts.open(studio.photographer, QUICK)
    try:
        assert await drive.account() == fake_drive.email
    finally:
        await drive.close()

    assert await accounts.disconnect(studio.photographer) == fake_drive.email
    assert await accounts.account(studio.photographer) is None
    with pytest.raises(DriveSignInNeeded, match="photoflow drive connect"):
        await accounts.open(studio.photographer)


PHOTOFLOW = (sys.executable, "-m", "app.main")


def cli_env(home: Path) -> dict[str, str]:
    """No OS keyring and an own HOME: the real user's keyring is never touched."""
    env = dict(os.environ)
    for name in ("PHOTOFLOW_HOME", "PHOTOFLOW_USER", "PHOTOFLOW_DATABASE_URL"):
        env.pop(name, None)
    env.update(
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        HOME=str(home.parent / "os-home"),
        XDG_DATA_HOME=str(home.parent / "os-home" / "data"),
    )
    return env


async def set_up_home(home: Home, fake: FakeDrive) -> None:
    """As `photoflow init` and `photoflow settings set drive_...=` would leave it."""
    s = await open_services(home, executor=ThreadPoolExecutor(2), follow=False)
    try:
        owner = await s.tenants.initialise("Lumen", "owner@lumen.test", "Olga")
        me = await s.users.actor_for(owner.email)
        await s.settings.update(me, **fake_settings(fake))
        home.write_config({**home.read_config(), "default_user": owner.email})
    finally:
        await close_services(s)


async def connected_then_disconnected(home: Home) -> tuple[str | None, str | None, str | None]:
    """What the next process finds (no OS keyring here: the 0600 file in the home), what
    disconnecting forgets, and what is left."""
    s = await open_services(home, executor=ThreadPoolExecutor(2), follow=False)
    try:
        me = await s.users.actor_for("owner@lumen.test")
        accounts = DriveAccounts(s, home.root, home.root / "drive", FileKeyring(home.root))
        return await accounts.account(me), await accounts.disconnect(me), await accounts.account(me)
    finally:
        await close_services(s)


def test_drive_connect_no_browser_prints_the_address_and_waits_for_the_redirect(
    fake_drive: FakeDrive, tmp_path: Path, browser: Browser
) -> None:
    home = Home(tmp_path / "home")
    asyncio.run(set_up_home(home, fake_drive))
    connect = subprocess.Popen(
        [*PHOTOFLOW, "--home", str(home.root), "drive", "connect", "--no-browser", "--json"],
        cwd=REPO,
        env=cli_env(home.root),
        stdout=PIPE,
        stderr=PIPE,
        text=True,
    )
    said: queue.Queue[str] = queue.Queue()
    assert connect.stdout is not None and connect.stderr is not None
    reader = threading.Thread(target=lambda: [said.put(line) for line in connect.stderr or ()])
    reader.start()
    try:
        assert "Open this address" in said.get(timeout=60)
        address = said.get(timeout=10).strip()
        assert address.startswith(fake_drive.auth_uri + "?")
        browser.open(address)
        assert connect.wait(timeout=60) == 0, list(said.queue)
        answer = json.loads(connect.stdout.read())
    finally:
        connect.kill()
        connect.wait()
        reader.join(10)
        connect.stdout.close()
        connect.stderr.close()
    assert answer == {"connected": True, "account": fake_drive.email, "user": "owner@lumen.test"}
    email = fake_drive.email
    assert asyncio.run(connected_then_disconnected(home)) == (email, email, None)
