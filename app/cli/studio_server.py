"""The commands that talk to a studio server over the network: connect, disconnect, devices.

They open no catalog: the device token in the keyring (or its 0600 file) is all they need.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import socket

from app.cli.output import emit, error
from core.errors import NotSignedIn, PhotoFlowError
from core.home import Home
from core.services.staff import DeviceView
from sync.client.credentials import Credentials, CredentialStore
from sync.client.studio_server import StudioServer

REMOTE = frozenset({"connect", "disconnect", "devices"})


def run_remote(home: Home, args: argparse.Namespace, as_json: bool) -> int:
    try:
        return asyncio.run(_COMMANDS[args.command](home, args, as_json))
    except PhotoFlowError as exc:
        error(str(exc), as_json)
        return exc.exit_code


def _password(prompt: str) -> str:
    """PHOTOFLOW_PASSWORD for scripts, else asked without echo."""
    return os.environ.get("PHOTOFLOW_PASSWORD") or getpass.getpass(prompt)


async def connect(home: Home, args: argparse.Namespace, as_json: bool) -> int:
    server = StudioServer(args.url)
    if args.code:
        password = _password("Choose a password: ")
        await server.accept_invite(args.code, password)
    else:
        password = _password(f"Password for {args.email}: ")
    device = args.device or socket.gethostname() or "desktop"
    credentials = await server.sign_in(args.email, password, device)
    store = CredentialStore(home.root)
    store.save(credentials)
    _remember_server(home, credentials.url)
    me = await server.me()
    data = {
        "url": credentials.url,
        "email": me["email"],
        "role": me["role"],
        "device_id": credentials.device_id,
        "device": device,
    }
    emit(
        data,
        f"Signed in to {credentials.url} as {me['email']} ({me['role']}) on {device}.",
        as_json,
    )
    return 0


async def disconnect(home: Home, args: argparse.Namespace, as_json: bool) -> int:
    store = CredentialStore(home.root)
    credentials = store.load()
    if credentials is None:
        emit({"connected": False}, "This desktop is not signed in to a studio server.", as_json)
        return 0
    with contextlib.suppress(NotSignedIn):  # revoked already: forgetting the token is left
        await StudioServer.signed_in(credentials).sign_out()
    store.forget()
    _remember_server(home, None)
    emit({"connected": False}, f"Signed out of {credentials.url}.", as_json)
    return 0


def _remember_server(home: Home, url: str | None) -> None:
    """config.json says which server this home signed in to (never the token), so that the
    desktop asks the keyring only when there is something to find."""
    config = home.read_config()
    if url:
        config["studio_server"] = url
    else:
        config.pop("studio_server", None)
    home.write_config(config)


def _signed_in(home: Home) -> Credentials:
    credentials = CredentialStore(home.root).load()
    if credentials is None:
        raise NotSignedIn("This desktop is not signed in; run: photoflow connect URL --email E")
    return credentials


async def devices(home: Home, args: argparse.Namespace, as_json: bool) -> int:
    credentials = _signed_in(home)
    server = StudioServer.signed_in(credentials)
    if getattr(args, "action", None) == "revoke":
        d = await server.revoke_device(args.device)
        emit(d.as_json(), f"{d.name} ({d.email}) is signed out.", as_json)
        return 0
    rows = await server.devices()
    text = "\n".join(
        f"{d.id}  {d.name:24} {d.email:28} "
        + ("revoked" if d.revoked else f"last seen {_when(d)}")
        + ("  (this device)" if str(d.id) == credentials.device_id else "")
        for d in rows
    )
    emit([d.as_json() for d in rows], text or "No devices are signed in.", as_json)
    return 0


def _when(d: DeviceView) -> str:
    seen = d.last_seen_at or d.created_at
    return seen.astimezone().strftime("%Y-%m-%d %H:%M")


_COMMANDS = {"connect": connect, "disconnect": disconnect, "devices": devices}
