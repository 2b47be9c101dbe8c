"""`photoflow drive connect|disconnect|status`: this user's Google Drive sign-in on this computer."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from app.bootstrap import home_at
from core.policies import Actor

if TYPE_CHECKING:
    from core.services import Services
    from sync.drive.connect import DriveAccounts

Result = tuple[Any, str]


def accounts(s: Services, a: argparse.Namespace) -> DriveAccounts:
    from sync.drive.connect import DriveAccounts

    root = home_at(a.home).root
    return DriveAccounts(s, root, root / "drive")


async def drive_connect(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    as_json = bool(getattr(a, "json", False))
    out = sys.stderr if as_json else sys.stdout  # --json keeps stdout for the answer

    def show(address: str) -> None:
        print("Open this address in a browser to connect PhotoFlow to Google Drive:", file=out)
        print(address, file=out, flush=True)
        if not a.no_browser:
            import webbrowser

            webbrowser.open(address, new=1)

    email = await accounts(s, a).connect(me, show)
    data = {"connected": True, "account": email, "user": me.email}
    return data, f"Google Drive connected: {email} (for {me.email} on this computer)."


async def drive_disconnect(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    email = await accounts(s, a).disconnect(me)
    text = (
        f"Google Drive disconnected: {email} is forgotten on this computer."
        if email
        else "Google Drive was not connected."
    )
    return {"connected": False, "user": me.email}, text


async def drive_status(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    email = await accounts(s, a).account(me)
    data = {"connected": email is not None, "account": email, "user": me.email}
    text = (
        f"Google Drive: connected as {email}."
        if email
        else "Google Drive: not connected; run: photoflow drive connect"
    )
    return data, text
