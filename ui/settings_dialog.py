"""An admin's studio settings: name, stage rule numbers, link defaults, watermark, portal address."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from core.settings import StudioSettings
from ui.drive_account import DriveAccountBox
from ui.studio import Studio


def _spin(low: int, high: int, parent: QWidget) -> QSpinBox:
    box = QSpinBox(parent)
    box.setRange(low, high)
    return box


class SettingsDialog(QDialog):
    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.setWindowTitle("Studio settings")
        self.studio_name = QLineEdit(self)
        self.min_select = _spin(0, 100_000, self)
        self.max_select = _spin(0, 100_000, self)
        self.max_select.setSpecialValueText("no limit")
        self.link_expiry_days = _spin(1, 3650, self)
        self.link_allow_download = QCheckBox("Clients may download originals", self)
        self.link_watermark = QCheckBox("Watermark the gallery", self)
        self.watermark_text = QLineEdit(self)
        self.drive_root = QLineEdit(self)
        self.portal_base_url = QLineEdit(self)
        self.portal_host = QLineEdit(self)
        self.portal_port = _spin(1, 65535, self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Studio name", self.studio_name)
        form.addRow("Selection: at least", self.min_select)
        form.addRow("Selection: at most", self.max_select)
        form.addRow("Links valid for (days)", self.link_expiry_days)
        form.addRow("", self.link_allow_download)
        form.addRow("", self.link_watermark)
        form.addRow("Watermark text", self.watermark_text)
        form.addRow("Google Drive folder", self.drive_root)
        if studio.drive_accounts is not None:
            self.drive_account = DriveAccountBox(studio, studio.drive_accounts, self)
            form.addRow("Google Drive account", self.drive_account)
        form.addRow("Portal address for clients", self.portal_base_url)
        form.addRow("Portal listens on", self.portal_host)
        form.addRow("Portal port", self.portal_port)
        form.addRow(self.status)
        form.addRow(self.buttons)
        self.setEnabled(False)
        studio.jobs.run(
            studio.services.settings.get(studio.actor),
            self._fill,
            lambda text, _: self.status.setText(text),
        )

    def _fill(self, loaded: tuple[str, StudioSettings]) -> None:
        name, s = loaded
        self.studio_name.setText(name)
        self.min_select.setValue(s.min_select)
        self.max_select.setValue(s.max_select or 0)
        self.link_expiry_days.setValue(s.link_expiry_days)
        self.link_allow_download.setChecked(s.link_allow_download)
        self.link_watermark.setChecked(s.link_watermark)
        self.watermark_text.setText(s.watermark_text)
        self.drive_root.setText(s.drive_root)
        self.portal_base_url.setText(s.portal_base_url)
        self.portal_host.setText(s.portal_host)
        self.portal_port.setValue(s.portal_port)
        self.setEnabled(True)

    def changes(self) -> dict[str, object]:
        return {
            "min_select": self.min_select.value(),
            "max_select": self.max_select.value() or None,
            "link_expiry_days": self.link_expiry_days.value(),
            "link_allow_download": self.link_allow_download.isChecked(),
            "link_watermark": self.link_watermark.isChecked(),
            "watermark_text": self.watermark_text.text().strip(),
            "drive_root": self.drive_root.text().strip(),
            "portal_base_url": self.portal_base_url.text().strip(),
            "portal_host": self.portal_host.text().strip(),
            "portal_port": self.portal_port.value(),
        }

    def save(self) -> None:
        self.status.setText("Saving…")
        self.studio.jobs.run(
            self.studio.services.settings.update(
                self.studio.actor, studio_name=self.studio_name.text(), **self.changes()
            ),
            self._saved,
            lambda text, _: self.status.setText(text),
            label="Saving studio settings",
        )

    def _saved(self, saved: tuple[str, StudioSettings]) -> None:
        self._fill(saved)
        self.status.setText("Saved.")
