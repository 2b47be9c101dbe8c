"""Switch who is working at this desk (PhotoFlow trusts the machine, as the command line does)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit

from core.policies import Actor
from ui.studio import Studio


class SwitchUserDialog(QDialog):
    switched = Signal(object)  # Actor

    def __init__(self, studio: Studio, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.studio = studio
        self.setWindowTitle("Switch user")
        self.email = QLineEdit(self)
        self.email.setPlaceholderText("name@studio.com")
        self.status = QLabel(f"Now working as {studio.actor.email} ({studio.actor.role.value}).")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Switch")
        buttons.accepted.connect(self.switch)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Work as", self.email)
        form.addRow(self.status)
        form.addRow(buttons)

    def switch(self) -> None:
        self.studio.jobs.run(
            self.studio.services.users.actor_for(self.email.text()),
            self._switched,
            lambda text, _: self.status.setText(text),
        )

    def _switched(self, actor: Actor) -> None:
        self.studio.switch_to(actor)
        self.switched.emit(actor)
        self.accept()
