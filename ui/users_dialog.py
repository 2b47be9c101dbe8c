"""An admin's people and roles: add a user, change a role, deactivate someone who left."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.policies import Role
from core.services.users import UserView, as_role
from ui.devices_panel import DevicesPanel
from ui.studio import Studio


class UsersDialog(QDialog):
    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.setWindowTitle("Users and roles")
        self.resize(680, 560)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["E-mail", "Name", "Role", "Active"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.email = QLineEdit(self)
        self.email.setPlaceholderText("new.person@studio.com")
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("Name")
        self.role = self._role_box(Role.PHOTOGRAPHER)
        self.add_button = QPushButton("Add user", self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        add = QHBoxLayout()
        for w in (self.email, self.name, self.role, self.add_button):
            add.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(add)
        layout.addWidget(self.status)
        self.devices = DevicesPanel(studio, self)
        layout.addWidget(self.devices, 1)
        self.add_button.clicked.connect(self.add)
        self.refresh()

    def _role_box(self, current: Role) -> QComboBox:
        box = QComboBox(self)
        for role in Role:
            if role is Role.SUPERADMIN and self.studio.actor.role is not Role.SUPERADMIN:
                continue
            box.addItem(role.value.capitalize(), role)
        index = box.findData(current)
        if index < 0:
            box.addItem(current.value.capitalize(), current)
            index = box.count() - 1
        box.setCurrentIndex(index)
        return box

    def refresh(self) -> None:
        self.studio.jobs.run(
            self.studio.services.users.list(self.studio.actor),
            self._show,
            lambda text, _: self.status.setText(text),
        )

    def _show(self, users: list[UserView]) -> None:
        self.table.setRowCount(len(users))
        for i, u in enumerate(users):
            self.table.setItem(i, 0, QTableWidgetItem(u.email))
            self.table.setItem(i, 1, QTableWidgetItem(u.name))
            box = self._role_box(u.role)
            active = QCheckBox(self)
            active.setChecked(u.active)
            own = u.id == self.studio.actor.user_id
            box.setEnabled(not own)
            active.setEnabled(not own)
            box.currentIndexChanged.connect(
                lambda _i, email=u.email, b=box: self._set_role(email, as_role(b.currentData()))
            )
            active.toggled.connect(lambda on, email=u.email: self._set_active(email, on))
            self.table.setCellWidget(i, 2, box)
            self.table.setCellWidget(i, 3, active)
        self.table.resizeColumnsToContents()

    def add(self) -> None:
        self.studio.jobs.run(
            self.studio.services.users.add(
                self.studio.actor,
                self.email.text(),
                as_role(self.role.currentData()),
                self.name.text(),
            ),
            self._added,
            lambda text, _: self.status.setText(text),
        )

    def _added(self, user: UserView) -> None:
        self.status.setText(f"{user.email} can now work as {user.role.value}.")
        self.email.clear()
        self.name.clear()
        self.refresh()

    def _set_role(self, email: str, role: Role) -> None:
        self.studio.jobs.run(
            self.studio.services.users.set_role(self.studio.actor, email, role),
            lambda u: self.status.setText(f"{u.email} is now {u.role.value}."),
            lambda text, _: (self.status.setText(text), self.refresh()),
        )

    def _set_active(self, email: str, active: bool) -> None:
        self.studio.jobs.run(
            self.studio.services.users.set_active(self.studio.actor, email, active),
            lambda u: self.status.setText(
                f"{u.email} is {'active' if u.active else 'deactivated'}."
            ),
            lambda text, _: (self.status.setText(text), self.refresh()),
        )
