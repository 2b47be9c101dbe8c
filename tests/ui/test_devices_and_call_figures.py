"""An admin sees the studio's signed-in devices in Users and roles and revokes a lost laptop;
the audit log's "Slowest and refused" window shows the last day's slowest and most refused
calls."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.errors import NotSignedIn
from tests.ui.conftest import Desk, until
from ui.main_window import MainWindow
from ui.studio import Studio

PASSWORD = "a long enough password"


def _rows(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [
        [table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_admin_revokes_a_device_from_users_and_roles(desk: Desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    s = desk.services

    async def pia_signs_in() -> str:
        invitation = await s.staff.invite(desk.admin, "pia@north.studio", "photographer", "Pia")
        await s.staff.accept(invitation.code, PASSWORD)
        await s.staff.sign_in("pia@north.studio", PASSWORD, "Pia's laptop")
        return (await s.staff.sign_in("pia@north.studio", PASSWORD, "Pia's phone")).token

    phone_token = desk.run(pia_signs_in())
    studio = Studio(s, desk.admin)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.show()

    async def scenario() -> None:
        window.users_action.trigger()
        panel = window.dialogs["users"].devices
        await until(lambda: panel.table.rowCount() == 2, what="the devices to load")
        rows = _rows(panel.table)
        assert [r[:2] for r in rows] == [
            ["Pia's phone", "pia@north.studio"],
            ["Pia's laptop", "pia@north.studio"],
        ]
        revoke = panel.table.cellWidget(0, 4)
        assert revoke.text() == "Revoke"
        qtbot.mouseClick(revoke, Qt.MouseButton.LeftButton)
        await until(lambda: "signed out" in panel.status.text(), what="the revocation")
        assert panel.status.text() == "Pia's phone (pia@north.studio) is signed out."
        await until(lambda: panel.table.item(0, 4) is not None, what="the list to refresh")
        assert panel.table.item(0, 4).text() == "Revoked"
        assert panel.table.cellWidget(1, 4).text() == "Revoke"  # the laptop still works
        with pytest.raises(NotSignedIn):
            await s.staff.actor_for_device(phone_token)
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())


def test_slowest_and_most_refused_calls_of_the_last_day(desk: Desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    s = desk.services

    async def a_day_in_the_studio() -> None:
        invitation = await s.staff.invite(desk.admin, "pia@north.studio", "photographer")
        await s.staff.accept(invitation.code, PASSWORD)
        for _ in range(3):
            with pytest.raises(NotSignedIn):
                await s.staff.sign_in("pia@north.studio", "not her password", "laptop")
        await s.albums.create(desk.admin, "Smith Wedding")

    desk.run(a_day_in_the_studio())
    studio = Studio(s, desk.admin)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.show()

    async def scenario() -> None:
        window.audit_action.trigger()
        audit = window.dialogs["audit"]
        qtbot.mouseClick(audit.figures_button, Qt.MouseButton.LeftButton)
        figures = audit.figures
        await until(lambda: figures.refused.rowCount() == 1, what="the figures to load")
        assert _rows(figures.refused) == [["tried to sign in on a device", "3", "3", "100%"]]
        slowest = [r[0] for r in _rows(figures.slowest)]
        assert "accepted an invitation and set a password" in slowest
        assert "created the album" in slowest
        averages = [float(r[2]) for r in _rows(figures.slowest)]
        assert averages == sorted(averages, reverse=True)
        assert figures.status.text().startswith("Since ")
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())
