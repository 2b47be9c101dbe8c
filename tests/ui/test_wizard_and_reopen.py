"""The first-run wizard creates a studio and its admin; an admin reopens an album only with a reason,
which the audit log keeps."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.bootstrap import close_services, open_services
from core.home import Home
from core.policies import Role
from core.workflow import Stage
from tests.images import make_shoot
from tests.ui.conftest import Desk, until
from ui.first_run_wizard import FirstRunWizard
from ui.main_window import MainWindow
from ui.stage_bar import ReopenDialog
from ui.studio import Studio


def test_wizard_creates_a_studio_and_its_admin(loop, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = Home(tmp_path / "fresh")
    assert not home.is_initialised
    opened = []

    async def open_home(h: Home):  # type: ignore[no-untyped-def]
        services = await open_services(h, executor=ThreadPoolExecutor(1))
        opened.append(services)
        return services

    wizard = FirstRunWizard(home, open_home, close_services)
    qtbot.addWidget(wizard)
    wizard.show()
    ready = []
    wizard.ready.connect(lambda h, s, e: ready.append((h, s, e)))

    async def scenario() -> None:
        assert wizard.create.isChecked()
        # A bad e-mail is refused as a sentence, and the services opened for it are closed again.
        qtbot.keyClicks(wizard.studio_name, "Studio Lumen")
        qtbot.keyClicks(wizard.admin_email, "not an address")
        qtbot.mouseClick(wizard.go, Qt.MouseButton.LeftButton)
        await until(lambda: wizard.go.isEnabled(), what="the refusal")
        assert "Traceback" not in wizard.status.text() and wizard.status.text()
        assert not ready

        wizard.admin_email.setText("lena@lumen.studio")
        qtbot.keyClicks(wizard.admin_name, "Lena")
        qtbot.mouseClick(wizard.go, Qt.MouseButton.LeftButton)
        await until(lambda: ready, what="the studio to be made")
        h, services, email = ready[0]
        try:
            assert h.root == home.root and home.is_initialised
            assert email == "lena@lumen.studio"
            assert home.read_config()["default_user"] == email
            admin = await services.users.actor_for(email)
            assert admin.role in (Role.ADMIN, Role.SUPERADMIN)
            name, _ = await services.settings.get(admin)
            assert name == "Studio Lumen"
        finally:
            await close_services(services)

    loop.run_until_complete(scenario())
    assert not wizard.isVisible()


def test_admin_reopens_an_album_with_a_reason(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin

    async def setup():  # type: ignore[no-untyped-def]
        album = await s.albums.create(me, "Old town")
        assert not (await s.imports.run(me, album.id, make_shoot(tmp_path / "shoot", 2))).failed
        await s.albums.advance(me, album.id)  # Stock
        return await s.albums.advance(me, album.id)  # Rate

    album = desk.run(setup())
    window = MainWindow(Studio(s, me))
    qtbot.addWidget(window)
    window.show()
    bar = window.stage_bar

    async def scenario() -> None:
        window.open_album(album)
        await until(lambda: bar.reopen.isVisible(), what="the Reopen button")
        qtbot.mouseClick(bar.reopen, Qt.MouseButton.LeftButton)
        dialog = bar.findChild(ReopenDialog)
        assert dialog is not None and dialog.isVisible()
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        assert [dialog.target.itemData(i) for i in range(dialog.target.count())] == [
            Stage.RAW,
            Stage.STOCK,
        ]
        assert dialog.stage() is Stage.STOCK
        assert not ok.isEnabled()  # no reason, no reopening
        qtbot.keyClicks(dialog.reason, "   ")
        assert not ok.isEnabled()
        dialog.reason.clear()
        qtbot.keyClicks(dialog.reason, "Client sent more photos")
        assert ok.isEnabled()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        await until(lambda: bar.title.text() == "Old town — Stock", what="the album back in Stock")
        entries = await s.audit.events(me, album=album.id, action="album.reopen", limit=5)
        assert [e.detail.get("reason") for e in entries] == ["Client sent more photos"]
        await window.studio.jobs.idle()

    desk.run(scenario())
    window.close()


def test_only_admins_see_reopen(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin

    async def setup():  # type: ignore[no-untyped-def]
        album = await s.albums.create(me, "Pier")
        assert not (await s.imports.run(me, album.id, make_shoot(tmp_path / "shoot", 1))).failed
        album = await s.albums.advance(me, album.id)  # Stock
        await s.users.add(me, "pia@north.studio", Role.PHOTOGRAPHER, "Pia")
        return album, await s.users.actor_for("pia@north.studio")

    album, photographer = desk.run(setup())
    window = MainWindow(Studio(s, photographer))
    qtbot.addWidget(window)
    window.show()

    async def scenario() -> None:
        window.open_album(album)
        await until(lambda: window.stage_bar.advance.isVisible())
        assert not window.stage_bar.reopen.isVisible()
        await window.studio.jobs.idle()

    desk.run(scenario())
    window.close()
