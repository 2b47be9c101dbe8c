"""An admin adds a user and changes a role through the Users dialog; the audit log reads as
sentences, never as Python's error text."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.bootstrap import context_of
from core.policies import Role
from tests.ui.conftest import Desk, until
from ui.main_window import MainWindow
from ui.studio import Studio


def _cells(table) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        table.item(r, c).text()
        for r in range(table.rowCount())
        for c in range(table.columnCount())
        if table.item(r, c) is not None
    ]


def test_admin_adds_a_user_and_changes_a_role(desk: Desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    studio = Studio(desk.services, desk.admin)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.show()

    async def scenario() -> None:
        window.users_action.trigger()
        dialog = window.dialogs["users"]
        await until(lambda: dialog.table.rowCount() == 1, what="the users to load")
        QTest.keyClicks(dialog.email, "eli@north.studio")
        QTest.keyClicks(dialog.name, "Eli")
        dialog.role.setCurrentIndex(dialog.role.findText("Editor"))
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        await until(lambda: dialog.table.rowCount() == 2, what="the new user in the table")
        assert dialog.status.text() == "eli@north.studio can now work as editor."
        row = next(r for r in range(2) if dialog.table.item(r, 0).text() == "eli@north.studio")
        role_box = dialog.table.cellWidget(row, 2)
        assert role_box.currentText() == "Editor"
        role_box.setCurrentIndex(role_box.findText("Admin"))
        await until(lambda: "is now" in dialog.status.text(), what="the role change")
        assert dialog.status.text() == "eli@north.studio is now admin."
        assert (await desk.services.users.actor_for("eli@north.studio")).role is Role.ADMIN

        window.audit_action.trigger()
        audit = window.dialogs["audit"]
        await until(lambda: audit.table.rowCount() >= 2, what="the audit log")
        cells = _cells(audit.table)
        assert "added a user as editor" in cells
        assert "changed the role from editor to admin" in cells
        assert not any("Error" in c or "attribute" in c for c in cells)
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())


def test_an_unexpected_error_reads_as_a_sentence_in_the_audit_log(  # type: ignore[no-untyped-def]
    desk: Desk, qtbot, caplog
) -> None:
    """A bug inside a service call: the admin reads a sentence, the trace goes to the log."""

    async def broken_call() -> None:
        async with context_of(desk.services).call(desk.admin, "album.create"):
            raise AttributeError("'str' object has no attribute 'value'")

    with caplog.at_level(logging.ERROR), pytest.raises(AttributeError):
        desk.run(broken_call())
    assert "no attribute" in caplog.text  # the trace is in the log file

    studio = Studio(desk.services, desk.admin)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.show()

    async def scenario() -> None:
        window.audit_action.trigger()
        audit = window.dialogs["audit"]
        await until(lambda: "failed" in _cells(audit.table), what="the failed call")
        cells = _cells(audit.table)
        assert not any("attribute" in c or "'str'" in c for c in cells)
        assert any(c.startswith("It failed because of an error in PhotoFlow") for c in cells)
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())
