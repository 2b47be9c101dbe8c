"""An admin's signed-in devices, with Revoke: a stolen laptop is signed out from here.

The list comes from a `DeviceAdmin`: the studio server when this desktop is connected to one
(sync.client.studio_server.StudioServer, wired by app/desktop.py), else this home's own catalog.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.services.staff import DeviceView
from ui.studio import Studio

COLUMNS = ["Device", "Who", "Signed in", "Last seen", ""]


class DeviceAdmin(Protocol):
    async def devices(self) -> list[DeviceView]: ...
    async def revoke_device(self, device_id: uuid.UUID | str) -> DeviceView: ...


class LocalDevices:
    """The devices as this home's catalog knows them, asked as the studio's current user."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    async def devices(self) -> list[DeviceView]:
        return await self.studio.services.staff.devices(self.studio.actor)

    async def revoke_device(self, device_id: uuid.UUID | str) -> DeviceView:
        return await self.studio.services.staff.revoke_device(self.studio.actor, device_id)


def _when(view: DeviceView, last: bool) -> str:
    at = view.last_seen_at if last else view.created_at
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at else ""


class DevicesPanel(QWidget):
    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.admin: DeviceAdmin = studio.device_admin or LocalDevices(studio)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh", self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Signed-in devices", self), 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.refresh_button.clicked.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.studio.jobs.run(
            self.admin.devices(), self._show, lambda text, _: self.status.setText(text)
        )

    def _show(self, devices: list[DeviceView]) -> None:
        self.table.setRowCount(len(devices))
        for i, d in enumerate(devices):
            for col, text in enumerate((d.name, d.email, _when(d, False), _when(d, True))):
                self.table.setItem(i, col, QTableWidgetItem(text))
            if d.revoked:
                self.table.setItem(i, 4, QTableWidgetItem("Revoked"))
                self.table.removeCellWidget(i, 4)
                continue
            button = QPushButton("Revoke", self.table)
            button.setToolTip(f"Sign {d.name} out: it must sign in again to work with the studio.")
            button.clicked.connect(lambda _=False, view=d: self.revoke(view))
            self.table.takeItem(i, 4)
            self.table.setCellWidget(i, 4, button)
        self.table.resizeColumnsToContents()
        if not devices:
            self.status.setText("No device has signed in to the studio server yet.")

    def revoke(self, view: DeviceView) -> None:
        self.studio.jobs.run(
            self.admin.revoke_device(view.id),
            self._revoked,
            lambda text, _: self.status.setText(text),
        )

    def _revoked(self, view: DeviceView) -> None:
        self.status.setText(f"{view.name} ({view.email}) is signed out.")
        self.refresh()
