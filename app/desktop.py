"""Opening the desktop app: one QApplication, one qasync loop, the first-run wizard, the window,
and the client portal served from the same loop.

`--self-check` opens the main window (and the portal, on a free port) on a temporary demo home,
closes it and exits 0; the build script runs it on the built program.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import functools
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

log = logging.getLogger("photoflow.desktop")


def _no_display() -> bool:
    """Linux without X11 or Wayland (a server, a container, CI) and no Qt platform chosen."""
    if not sys.platform.startswith("linux"):
        return False
    names = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    return not any(os.environ.get(name) for name in names)


def _headless(args: argparse.Namespace) -> int:
    """No screen: say so plainly, and keep the studio's client portal running if there is a studio."""
    from app.bootstrap import home_at, shared_catalog_url
    from app.logs import setup_logging
    from app.serve_portal import serve_standalone

    home = home_at(args.home)
    print(
        "PhotoFlow: no display found, so the desktop window cannot open here.",
        file=sys.stderr,
    )
    if not home.is_initialised and not shared_catalog_url():
        print(
            f"Set up a studio from the command line first:\n"
            f"  photoflow --home {home.root} init --studio NAME --admin EMAIL\n"
            "then `photoflow --help` shows everything it can do without a screen.",
            file=sys.stderr,
        )
        return 1
    print("Serving the client portal instead; the command line does the rest.", file=sys.stderr)
    setup_logging(home.root)
    return serve_standalone(home, args.as_user, args.studio)


def open_desktop(args: argparse.Namespace) -> int:
    if _no_display() and not getattr(args, "self_check", False):
        return _headless(args)
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.bootstrap import home_at
    from app.logs import setup_logging

    setup_logging(home_at(args.home).root)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("PhotoFlow")
    app.setOrganizationName("PhotoFlow")
    # The window closing ends main(), which shuts down in order; Qt must not stop the loop first.
    app.setQuitOnLastWindowClosed(False)
    from ui.theme import apply_dark_theme

    apply_dark_theme(app)
    try:
        if getattr(args, "self_check", False):
            return qasync.run(_self_check())
        return qasync.run(_main(args))
    except asyncio.CancelledError:
        return 0
    finally:
        _tear_down(app)


async def _main(args: argparse.Namespace) -> int:
    from app.bootstrap import (
        acting_user,
        close_services,
        home_at,
        open_services,
        shared_catalog_url,
    )
    from ui.first_run_wizard import FirstRunWizard
    from ui.messages import message_for

    home = home_at(args.home)
    services = None
    email = args.as_user or os.environ.get("PHOTOFLOW_USER")
    if not home.is_initialised and not shared_catalog_url():
        loop = asyncio.get_running_loop()
        chosen: asyncio.Future[tuple] = loop.create_future()
        wizard = FirstRunWizard(home, open_services, close_services)
        wizard.ready.connect(lambda h, s, e: chosen.done() or chosen.set_result((h, s, e)))
        wizard.rejected.connect(lambda: chosen.done() or chosen.set_result((None, None, "")))
        wizard.show()
        home, services, first_email = await chosen
        if services is None:
            return 0
        email = email or first_email
    else:
        services = await open_services(home)
    try:
        try:
            actor = await acting_user(services, home, email, args.studio)
        except Exception as exc:
            _fatal(message_for(exc))
            return 1
        return await _run_window(
            services,
            actor,
            device_admin=_studio_server(home),
            drive_accounts=_drive(services, home),
        )
    finally:
        await close_services(services)


def _studio_server(home: Any) -> Any:
    """The studio server this home signed in to (`photoflow connect`), for the admin's devices
    list; None when it works alone."""
    if not home.read_config().get("studio_server"):  # never connected: leave the keyring be
        return None
    from sync.client.credentials import CredentialStore
    from sync.client.studio_server import StudioServer

    try:
        credentials = CredentialStore(home.root).load()
    except Exception:  # a keyring that cannot be read must not keep the window from opening
        logging.getLogger(__name__).exception("could not read the studio server's credentials")
        return None
    return StudioServer.signed_in(credentials) if credentials else None


def _drive(services: Any, home: Any) -> Any:
    """Each user's Google Drive sign-in on this computer (Settings > Google Drive), and the
    background sync of the working user's Drive."""
    from sync.drive.connect import DriveAccounts
    from sync.drive.desktop import DesktopDrive

    return DesktopDrive(services, DriveAccounts(services, home.root, home.root / "drive"))


async def _run_window(  # type: ignore[no-untyped-def]
    services,
    actor,
    *,
    close_after: float | None = None,
    portal_port: int | None = None,
    opened: Callable[[Any, Any], object] | None = None,
    device_admin: Any = None,
    drive_accounts: Any = None,
) -> int:
    """Show the main window until it closes, with the portal on the same loop meanwhile.

    `portal_port` overrides the studio setting (0: any free port, for the self-check and tests);
    `opened(window, portal)` is called once both run (portal None when it could not start).
    """
    from ui.main_window import MainWindow
    from ui.studio import Studio

    postman = _postman(services, actor)
    studio = Studio(
        services, actor, device_admin=device_admin, mail=postman, drive_accounts=drive_accounts
    )
    window = MainWindow(studio)
    closed = asyncio.get_running_loop().create_future()
    window.closing.connect(lambda: closed.done() or closed.set_result(None))
    window.show()
    portal = await _start_portal(services, actor, window, portal_port)
    # The import workers start now, while the photographer looks at the window, not at the
    # moment a card goes in.
    studio.jobs.run(services.imports.warm())
    # Previews an import could not finish before the app last closed (or was killed).
    studio.jobs.run(services.imports.finish_previews(actor), label="Finishing previews")
    syncing = await _start_sync(services, window, device_admin)
    if syncing is not None:  # the studio server sends the studio's mail: it needs the password
        postman.server_copy = functools.partial(
            _password_to_server, services, syncing[0], device_admin
        )
    if drive_accounts is not None:
        await start_drive_sync(studio, window, drive_accounts)
    try:
        if opened is not None:
            opened(window, portal)
        if close_after is not None:
            asyncio.get_running_loop().call_later(close_after, window.close)
        await closed
    finally:
        # In order: the window's background tasks, then the portal (its live connections, then
        # the socket); the caller closes the services, which disposes the engine, last.
        window.grid.close_album()
        await studio.jobs.cancel_all()
        if syncing is not None:
            client, task = syncing
            client.stop()  # the round in progress ends its catalog write first
            try:
                await asyncio.wait_for(task, 10)
            except (TimeoutError, asyncio.CancelledError):
                pass
            except Exception:
                log.exception("the sync ended with an error")
        if drive_accounts is not None:
            await drive_accounts.stop()
        if portal is not None:
            await portal.stop()
        await postman.stop()
        window.deleteLater()
    return 0


def _postman(services, actor):  # type: ignore[no-untyped-def]
    """The studio's e-mail: follows the journal and the clock while the window is open (it sends
    nothing until the studio sets an SMTP server)."""
    from sync.mail.password import MailPassword
    from sync.mail.postman import Postman

    postman = Postman(services, actor.tenant_id, MailPassword(services.paths.root))
    postman.start()
    return postman


async def _password_to_server(services, client, server, password: str) -> None:  # type: ignore[no-untyped-def]
    """The SMTP password the admin typed, to the studio server too, once the settings saved with
    it (its SMTP server) have reached the server (a few seconds at most when online)."""
    from core.errors import PhotoFlowError

    client.nudge()
    try:
        async with asyncio.timeout(15):
            while (await services.replica.status()).waiting:
                await asyncio.sleep(0.2)
                client.nudge()
    except TimeoutError:
        raise PhotoFlowError(
            "The password is kept here, but the studio server has not taken the new settings "
            "yet; save it again once the desktop is synced, for the server to send the mail."
        ) from None
    await server.set_mail_password(password)


async def _start_sync(services, window, server):  # type: ignore[no-untyped-def]
    """Sync with the studio server this desktop signed in to (`photoflow connect`: its address
    and device token in the keyring), when it has one."""
    if server is None or not server.token:
        return None
    from core.errors import PhotoFlowError
    from sync.client.client import SyncClient

    client = SyncClient(server.url, server.token, services)
    try:
        await client.connect()
    except PhotoFlowError as exc:  # a catalog of its own: it stays single-seat, and says why
        window.show_sync(f"Not syncing with {server.url}: {exc}")
        return None
    client.on_state(lambda state: window.show_sync(state.words))
    return client, asyncio.ensure_future(client.run())


async def start_drive_sync(studio, window, drive):  # type: ignore[no-untyped-def]
    """Google Drive sync in the background (issue 13), for whoever is working and has connected
    Drive: albums are synced after they change here and on a timer for Drive's changes; the
    status bar says how. Connecting, disconnecting or switching user restarts it."""
    drive.tell = window.show_drive
    window.drive_sync_all = drive.sync_all
    await drive.follow(studio.actor, quiet=True)
    studio.actor_changed.connect(lambda: studio.jobs.run(drive.follow(studio.actor)))


async def _start_portal(services, actor, window, port: int | None):  # type: ignore[no-untyped-def]
    """The portal on the studio's host and port; if it cannot listen there, the app goes on
    without it and says so in the status bar."""
    from portal.server import start_portal
    from ui.messages import message_for

    try:
        _, settings = await services.settings.get(actor)
    except Exception as exc:
        window.show_portal(None, f"The client portal is off: {message_for(exc)}")
        return None
    host, port = settings.portal_host, settings.portal_port if port is None else port
    try:
        portal = await start_portal(services, host, port)
    except OSError as exc:
        log.warning("portal could not listen on %s:%s: %s", host, port, exc)
        why = (
            f"port {port} on {host} is taken by another program"
            if exc.errno == errno.EADDRINUSE
            else f"it cannot listen on {host}:{port} ({exc.strerror or exc})"
        )
        window.show_portal(
            None,
            f"The client portal is off: {why}. Links work again once it runs; change its port "
            "in Studio settings and restart PhotoFlow.",
        )
        return None
    window.show_portal(portal.url)
    return portal


async def _self_check() -> int:
    """Open the main window on a fresh demo home and close it: proves the build runs."""
    from app.bootstrap import close_services, open_services
    from core.home import Home
    from ui.demo_studio import create_demo_studio

    with tempfile.TemporaryDirectory(prefix="photoflow-self-check-") as tmp:
        home = Home(Path(tmp))
        # Threads, not the import process pool: the check is about the window, and a frozen
        # build's worker processes need multiprocessing.freeze_support() in app/main.py first.
        services = await open_services(home, executor=ThreadPoolExecutor(2))
        try:
            email = await create_demo_studio(services, home)
            actor = await services.users.actor_for(email)
            albums = await services.albums.list(actor)
            photos = sum(a.photo_count for a in albums)
            served: list[str] = []
            await _run_window(
                services,
                actor,
                close_after=1.5,
                portal_port=0,
                opened=lambda _w, portal: served.append(portal.url if portal else "off"),
            )
        finally:
            await close_services(services)
    print(
        f"self-check ok: {len(albums)} albums, {photos} photos, main window opened and closed, "
        f"portal {served[0] if served else 'off'}"
    )
    return 0


def _tear_down(app) -> None:  # type: ignore[no-untyped-def]
    """Destroy every Qt object while the QApplication still exists, not in the interpreter's
    final garbage collection (which crashes PySide6 when it finds half-dead wrappers)."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    for widget in app.topLevelWidgets():
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    gc.collect()


def _fatal(text: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    print(text, file=sys.stderr)
    if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        QMessageBox.critical(None, "PhotoFlow", text)
