"""An admin's studio settings: name, stage rule numbers, link defaults, watermark, portal address,
and the SMTP server the studio's e-mail goes out through (its password in the OS keyring)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.errors import PhotoFlowError
from core.services.mail import SmtpServer
from core.settings import SMTP_SECURITY, StudioSettings
from ui.drive_account import DriveAccountBox
from ui.presets_editor import PresetsEditor
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
        self.link_allow_download = QCheckBox("Clients may download the finals (in Final)", self)
        self.link_download_size = QComboBox(self)  # gallery downloads (issue 14)
        self.link_download_size.addItem("Full size", "full")
        self.link_download_size.addItem("Web size", "web")
        self.link_watermark = QCheckBox("Watermark the gallery", self)
        self.watermark_text = QLineEdit(self)
        self.drive_root = QLineEdit(self)
        self.portal_base_url = QLineEdit(self)
        self.portal_host = QLineEdit(self)
        self.portal_port = _spin(1, 65535, self)
        self.smtp_host = QLineEdit(self)
        self.smtp_host.setPlaceholderText("none: the studio sends no e-mail")
        self.smtp_port = _spin(1, 65535, self)
        self.smtp_security = QComboBox(self)
        self.smtp_security.addItems(SMTP_SECURITY)
        self.smtp_user = QLineEdit(self)
        self.smtp_password = QLineEdit(self)
        self.smtp_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.smtp_from = QLineEdit(self)
        self.test_mail = QPushButton("Test connection", self)
        self.test_mail.clicked.connect(self.test_connection)
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
        form.addRow("Downloads", self.link_download_size)
        form.addRow("", self.link_watermark)
        form.addRow("Watermark text", self.watermark_text)
        form.addRow("Google Drive folder", self.drive_root)
        if studio.drive_accounts is not None:
            self.drive_account = DriveAccountBox(studio, studio.drive_accounts, self)
            form.addRow("Google Drive account", self.drive_account)
        form.addRow("Portal address for clients", self.portal_base_url)
        form.addRow("Portal listens on", self.portal_host)
        form.addRow("Portal port", self.portal_port)
        # delivery (issue 14): the export presets, saved one at a time by the editor itself
        self.presets = PresetsEditor(studio, self)
        form.addRow("Export presets", self.presets)
        form.addRow("Mail server (SMTP)", self.smtp_host)
        form.addRow("Mail server port", self.smtp_port)
        form.addRow("Mail security", self.smtp_security)
        form.addRow("Mail user name", self.smtp_user)
        form.addRow("Mail password", self.smtp_password)
        form.addRow("Mail comes from", self.smtp_from)
        form.addRow("", self.test_mail)
        form.addRow(self.status)
        form.addRow(self.buttons)
        self.setEnabled(False)
        studio.jobs.run(
            self._load(), lambda r: self._fill(*r), lambda text, _: self.status.setText(text)
        )

    async def _load(self) -> tuple[tuple[str, StudioSettings], bool]:
        """The settings, and whether a mail password is kept (asked off the GUI thread: a
        keyring may take seconds, or wait for the user to unlock it)."""
        loaded = await self.studio.services.settings.get(self.studio.actor)
        mail = self.studio.mail
        return loaded, mail is not None and await mail.has_password()

    def _fill(self, loaded: tuple[str, StudioSettings], kept: bool) -> None:
        name, s = loaded
        self.studio_name.setText(name)
        self.min_select.setValue(s.min_select)
        self.max_select.setValue(s.max_select or 0)
        self.link_expiry_days.setValue(s.link_expiry_days)
        self.link_allow_download.setChecked(s.link_allow_download)
        self.link_download_size.setCurrentIndex(
            max(0, self.link_download_size.findData(s.link_download_size))
        )
        self.link_watermark.setChecked(s.link_watermark)
        self.watermark_text.setText(s.watermark_text)
        self.drive_root.setText(s.drive_root)
        self.portal_base_url.setText(s.portal_base_url)
        self.portal_host.setText(s.portal_host)
        self.portal_port.setValue(s.portal_port)
        self.smtp_host.setText(s.smtp_host)
        self.smtp_port.setValue(s.smtp_port)
        self.smtp_security.setCurrentText(s.smtp_security)
        self.smtp_user.setText(s.smtp_user)
        self.smtp_from.setText(s.smtp_from)
        self.smtp_password.clear()
        self.smtp_password.setPlaceholderText("kept in the system keyring" if kept else "")
        self.test_mail.setEnabled(self.studio.mail is not None)
        self.setEnabled(True)

    def changes(self) -> dict[str, object]:
        return {
            "min_select": self.min_select.value(),
            "max_select": self.max_select.value() or None,
            "link_expiry_days": self.link_expiry_days.value(),
            "link_allow_download": self.link_allow_download.isChecked(),
            "link_download_size": self.link_download_size.currentData(),
            "link_watermark": self.link_watermark.isChecked(),
            "watermark_text": self.watermark_text.text().strip(),
            "drive_root": self.drive_root.text().strip(),
            "portal_base_url": self.portal_base_url.text().strip(),
            "portal_host": self.portal_host.text().strip(),
            "portal_port": self.portal_port.value(),
            "smtp_host": self.smtp_host.text().strip(),
            "smtp_port": self.smtp_port.value(),
            "smtp_security": self.smtp_security.currentText(),
            "smtp_user": self.smtp_user.text().strip(),
            "smtp_from": self.smtp_from.text().strip(),
        }

    def _server(self) -> SmtpServer:
        c = self.changes()
        return SmtpServer(
            str(c["smtp_host"]),
            int(c["smtp_port"]),  # type: ignore[call-overload]
            str(c["smtp_security"]),
            str(c["smtp_user"]),
            str(c["smtp_from"]),
        )

    def test_connection(self) -> None:
        """Sign in to the mail server with what the dialog shows (the typed password, else the
        kept one); nothing is saved."""
        if self.studio.mail is None or not self.smtp_host.text().strip():
            self.status.setText("Give the mail server's name first.")
            return
        self.status.setText("Connecting to the mail server…")
        self.studio.jobs.run(
            self.studio.mail.check(self._server(), self.smtp_password.text() or None),
            lambda _: self.status.setText("The mail server accepted the sign-in."),
            lambda text, _: self.status.setText(text),
            label="Testing the mail server",
        )

    def save(self) -> None:
        self.status.setText("Saving…")
        self.studio.jobs.run(
            self._save(self.smtp_password.text()),
            self._saved,
            lambda text, _: self.status.setText(text),
            label="Saving studio settings",
        )

    async def _save(self, password: str) -> tuple[tuple[str, StudioSettings], str, bool]:
        """Settings first, then the password into the keyring, then a sign-in to the mail server:
        a server that refuses it loses nothing (settings kept; mail waits in the outbox)."""
        saved = await self.studio.services.settings.update(
            self.studio.actor, studio_name=self.studio_name.text(), **self.changes()
        )
        mail, settings = self.studio.mail, saved[1]
        if mail is None:
            return saved, "Saved.", False
        if not settings.mail_on:
            return saved, "Saved.", await mail.has_password()
        if password:
            await mail.save_password(password)
        kept = await mail.has_password()
        try:
            await mail.check(SmtpServer.of(settings))
        except PhotoFlowError as exc:
            return saved, f"Saved. {exc} Mail waits in the outbox until this works.", kept
        return saved, "Saved. The mail server accepted the sign-in.", kept

    def _saved(self, result: tuple[tuple[str, StudioSettings], str, bool]) -> None:
        saved, words, kept = result
        self._fill(saved, kept)
        self.status.setText(words)
