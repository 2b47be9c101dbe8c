"""A warning in the publish dialog while the studio's portal address is one clients cannot reach
(the default `http://127.0.0.1:8470` means "this computer"), with help to set a better one: this
computer's address on the studio's network, or the studio's public address behind a proxy."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.policies import Permission
from core.portal_address import lan_address, unreachable_reason
from core.settings import StudioSettings
from ui.studio import Studio

ANY_ADDRESS = "0.0.0.0"  # the portal listens on every network of this computer


class PortalAddressPanel(QFrame):
    saved = Signal(str)  # a sentence for the dialog: what links use now

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.settings: StudioSettings | None = None
        self.setObjectName("portalAddressWarning")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#portalAddressWarning { background: #4a3b12; border: 1px solid #b8860b; "
            "border-radius: 6px; } #portalAddressWarning QLabel { color: #ffe9a8; }"
        )
        self.warning = QLabel(self)
        self.warning.setWordWrap(True)
        self.lan = lan_address()
        self.use_lan = QRadioButton(self)
        self.use_public = QRadioButton("The studio's public address (behind a proxy):", self)
        self.public = QLineEdit(self)
        self.public.setPlaceholderText("https://photos.your-studio.com")
        self.public.textEdited.connect(lambda _t: self.use_public.setChecked(True))
        choice = QButtonGroup(self)
        choice.addButton(self.use_lan)
        choice.addButton(self.use_public)
        self.save_button = QPushButton("Use this address", self)
        self.save_button.clicked.connect(self.save)
        self.status = QLabel(self)
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        layout.addWidget(self.use_lan)
        public_row = QHBoxLayout()
        public_row.addWidget(self.use_public)
        public_row.addWidget(self.public, 1)
        layout.addLayout(public_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.status, 1)
        layout.addLayout(buttons)
        self.may_set = studio.may(Permission.MANAGE_STUDIO)
        self.setVisible(False)

    def show_for(self, settings: StudioSettings) -> None:
        """Shown while `settings`' portal address is one clients cannot reach."""
        self.settings = settings
        reason = unreachable_reason(settings.portal_base_url)
        self.setVisible(reason is not None)
        if reason is None:
            return
        port = settings.portal_port
        help_text = (
            "Choose the address clients use:"
            if self.may_set
            else "Ask an admin to set the portal address (Studio settings)."
        )
        self.warning.setText(f"⚠ {reason} {help_text}")
        self.use_lan.setVisible(self.lan is not None)
        if self.lan is not None:
            self.use_lan.setText(
                f"This computer on the studio's network: http://{self.lan}:{port} "
                "(clients on the same Wi-Fi or office network)"
            )
            self.use_lan.setChecked(True)
        else:
            self.use_public.setChecked(True)
        for w in (self.use_lan, self.use_public, self.public, self.save_button):
            w.setEnabled(self.may_set)

    def chosen(self) -> str:
        if self.use_lan.isChecked() and self.lan is not None and self.settings is not None:
            return f"http://{self.lan}:{self.settings.portal_port}"
        return self.public.text().strip().rstrip("/")

    def save(self) -> None:
        if not self.may_set or self.settings is None:
            return
        address = self.chosen()
        if not address:
            self.status.setText("Type the studio's public address first.")
            return
        changes: dict[str, object] = {"portal_base_url": address}
        # A LAN address needs the portal to listen on the network, not only on this computer.
        listen = self.use_lan.isChecked() and unreachable_reason(
            f"http://{self.settings.portal_host}"
        )
        if listen:
            changes["portal_host"] = ANY_ADDRESS
        self.save_button.setEnabled(False)
        self.studio.jobs.run(
            self.studio.services.settings.update(self.studio.actor, **changes),
            lambda got: self._saved(got[1], bool(listen)),
            self._failed,
        )

    def _saved(self, settings: StudioSettings, listens_now: bool) -> None:
        self.save_button.setEnabled(True)
        self.show_for(settings)
        note = " The portal listens on the network after PhotoFlow restarts." if listens_now else ""
        self.saved.emit(f"Links now use {settings.portal_base_url}.{note}")

    def _failed(self, text: str, _exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.status.setText(text)
