"""A new album for a shoot: its name, the client, and the selection limits."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QSpinBox

from core.services.albums import AlbumSummary
from ui.studio import Studio


class NewAlbumDialog(QDialog):
    created = Signal(object)  # AlbumSummary

    def __init__(self, studio: Studio, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.studio = studio
        self.setWindowTitle("New album")
        self.name = QLineEdit(self)
        self.client = QLineEdit(self)
        self.min_select = QSpinBox(self)
        self.min_select.setRange(0, 100_000)
        self.min_select.setSpecialValueText("studio default")
        self.max_select = QSpinBox(self)
        self.max_select.setRange(0, 100_000)
        self.max_select.setSpecialValueText("studio default")
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Album name", self.name)
        form.addRow("Client", self.client)
        form.addRow("Selection needs at least", self.min_select)
        form.addRow("Selection may have at most", self.max_select)
        form.addRow(self.status)
        form.addRow(buttons)

    def create(self) -> None:
        self.studio.jobs.run(
            self.studio.services.albums.create(
                self.studio.actor,
                self.name.text(),
                client=self.client.text(),
                min_select=self.min_select.value() or None,
                max_select=self.max_select.value() or None,
            ),
            self._created,
            lambda text, _: self.status.setText(text),
        )

    def _created(self, album: AlbumSummary) -> None:
        self.created.emit(album)
        self.accept()
