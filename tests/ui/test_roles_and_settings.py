"""An admin's settings survive a restart; an editor sees no admin dialog and cannot cull."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from core.policies import Role
from tests.ui.conftest import Desk, until
from ui.main_window import MainWindow
from ui.studio import Studio


def test_admin_setting_persists_after_restart(desk: Desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    studio = Studio(desk.services, desk.admin)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.show()

    async def scenario() -> None:
        assert window.settings_action.isVisible()
        window.open_settings()
        dialog = window.dialogs["settings"]
        await until(dialog.isEnabled, what="the settings to load")
        dialog.watermark_text.clear()
        QTest.keyClicks(dialog.watermark_text, "© Studio North")
        dialog.max_select.setValue(25)
        dialog.portal_port.setValue(9123)
        qtbot.mouseClick(
            dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton
        )
        await until(lambda: dialog.status.text() == "Saved.", what="the save")
        window.close()
        await studio.jobs.cancel_all()

        services = await desk.reopen()
        admin = await services.users.actor_for("admin@north.studio")
        name, settings = await services.settings.get(admin)
        assert (settings.watermark_text, settings.max_select, settings.portal_port) == (
            "© Studio North",
            25,
            9123,
        )

    desk.run(scenario())


def test_editor_sees_no_admin_dialogs_and_cannot_cull(desk: Desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    async def setup():  # type: ignore[no-untyped-def]
        s = desk.services
        await s.users.add(desk.admin, "eli@north.studio", Role.EDITOR, "Eli")
        album = await s.albums.create(desk.admin, "Portraits")
        return await s.users.actor_for("eli@north.studio"), album

    editor, album = desk.run(setup())
    studio = Studio(desk.services, editor)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.show()
    assert not window.settings_action.isVisible()
    assert not window.users_action.isVisible()
    assert not window.audit_action.isVisible()
    assert not window.studio_menu.menuAction().isVisible()
    assert not window.new_album_action.isEnabled()
    window.open_settings()
    window.open_users()
    assert "settings" not in window.dialogs and "users" not in window.dialogs

    async def scenario() -> None:
        window.open_album(album)
        await studio.jobs.idle()
        assert not window.stage_bar.advance.isEnabled()
        messages: list[str] = []
        window.grid.message.connect(messages.append)
        window.grid.album_id = album.id
        window.grid.mark("stars", 3)
        assert messages == ["An editor may not cull photos."]
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())


def test_switching_to_admin_shows_admin_dialogs(desk: Desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    async def setup():  # type: ignore[no-untyped-def]
        await desk.services.users.add(desk.admin, "ana@north.studio", Role.PHOTOGRAPHER)
        return await desk.services.users.actor_for("ana@north.studio")

    studio = Studio(desk.services, desk.run(setup()))
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.show()
    assert not window.settings_action.isVisible()

    async def scenario() -> None:
        window.switch_user()
        dialog = window.dialogs["switch"]
        QTest.keyClicks(dialog.email, "admin@north.studio")
        dialog.switch()
        await until(lambda: studio.actor.role is Role.SUPERADMIN, what="the switch")
        assert window.settings_action.isVisible() and window.audit_action.isVisible()
        window.open_audit()
        audit = window.dialogs["audit"]
        await until(lambda: audit.table.rowCount() > 0, what="the audit log")
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())
