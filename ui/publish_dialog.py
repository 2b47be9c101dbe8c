"""Publishing an album to its client: a new share link (the CLI's `link create` options, the
studio's defaults), its URL to copy, and the album's links with Copy, Reopen selection and Revoke.

A warning (PortalAddressPanel) stays on top while the portal address is one clients cannot reach.
A listed link's address is rebuilt from its sealed token on the computer that made it; elsewhere
(or for a link made before tokens were sealed) the dialog says so and offers to replace it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.policies import Permission
from core.services.albums import AlbumSummary
from core.services.links import LinkView, PublishedLink, Reopened
from core.services.mail import Invitation
from core.settings import StudioSettings
from ui.portal_address_panel import PortalAddressPanel
from ui.studio import Studio


class PublishDialog(QDialog):
    published = Signal(object)  # PublishedLink

    def __init__(self, studio: Studio, album: AlbumSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.album = album
        self.setWindowTitle(f"Publish {album.name} to the client")
        self.resize(720, 620)
        self.address = PortalAddressPanel(studio, self)
        self.address.saved.connect(self._address_saved)
        self.expires_days = QSpinBox(self)
        self.expires_days.setRange(1, 3650)
        self.pin = QLineEdit(self)
        self.pin.setPlaceholderText("none (4 to 64 characters)")
        self.max_select = QSpinBox(self)
        self.max_select.setRange(0, 100_000)
        limit = album.max_select
        self.max_select.setSpecialValueText(
            f"the album's limit ({limit})" if limit else "the album's limit"
        )
        self.allow_download = QCheckBox("Client may download the finals (in Final)", self)
        self.download_size = QComboBox(self)
        self.download_size.addItem("Full size", "full")
        self.download_size.addItem("Web size", "web")
        self.download_pin = QLineEdit(self)
        self.download_pin.setPlaceholderText("none (asked before the first download)")
        self.allow_download.toggled.connect(self.download_size.setEnabled)
        self.allow_download.toggled.connect(self.download_pin.setEnabled)
        self.watermark = QCheckBox("Watermark the previews", self)
        self.guest_name = QLineEdit(self)
        self.guest_name.setPlaceholderText("anyone (each visitor gives a name)")
        self.create_button = QPushButton("Create link", self)
        self.create_button.clicked.connect(self.create)
        self.url = QLineEdit(self)
        self.url.setReadOnly(True)
        self.url.setPlaceholderText("the new link's address appears here")
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_url)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.links = QTreeWidget(self)
        self.links.setRootIsDecorated(False)
        self.links.setHeaderLabels(["Link", "Created", "Expires", "Guest", "PIN", "Limit", "State"])
        self.links.itemSelectionChanged.connect(self._link_chosen)
        self.copy_link_button = QPushButton("Copy link", self)
        self.copy_link_button.setEnabled(False)
        self.copy_link_button.clicked.connect(self.copy_link)
        self.replace_button = QPushButton("Replace link", self)
        self.replace_button.setToolTip(
            "Revoke this link and publish a new one with the options above"
        )
        self.replace_button.setVisible(False)
        self.replace_button.clicked.connect(self.replace_link)
        self.reopen_button = QPushButton("Reopen selection", self)
        self.reopen_button.setToolTip(
            "Let the client change the selection they sent, and send it again"
        )
        self.reopen_button.setEnabled(False)
        self.reopen_button.clicked.connect(self.reopen_selection)
        self.revoke_button = QPushButton("Revoke", self)
        self.revoke_button.setEnabled(False)
        self.revoke_button.clicked.connect(self.revoke)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)

        form = QFormLayout()
        form.addRow("Valid for (days)", self.expires_days)
        form.addRow("PIN", self.pin)
        form.addRow("Client may pick at most", self.max_select)
        form.addRow("", self.allow_download)
        form.addRow("Downloads", self.download_size)
        form.addRow("Download PIN", self.download_pin)
        form.addRow("", self.watermark)
        form.addRow("Guest name", self.guest_name)
        form.addRow("", self.create_button)
        url_row = QHBoxLayout()
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.copy_button)
        form.addRow("Link", url_row)
        # delivery (issue 14): the invitation by e-mail (never with the PIN)
        self.email = QLineEdit(self)
        self.email.setPlaceholderText("the client's e-mail address")
        self.send_button = QPushButton("Send by e-mail", self)
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self.send_invite)
        self.email.returnPressed.connect(self.send_invite)
        self._made: PublishedLink | None = None
        mail_row = QHBoxLayout()
        mail_row.addWidget(self.email, 1)
        mail_row.addWidget(self.send_button)
        form.addRow("Invite", mail_row)
        buttons = QHBoxLayout()
        for b in (
            self.copy_link_button,
            self.replace_button,
            self.reopen_button,
            self.revoke_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.address)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(QLabel("Links of this album", self))
        layout.addWidget(self.links, 1)
        layout.addLayout(buttons)

        self.may_publish = studio.may(Permission.PUBLISH_LINKS)
        for w in (
            self.expires_days,
            self.pin,
            self.max_select,
            self.allow_download,
            self.watermark,
            self.guest_name,
            self.create_button,
        ):
            w.setEnabled(self.may_publish)
        for w in (self.download_size, self.download_pin):
            w.setEnabled(self.may_publish and self.allow_download.isChecked())
        for b in (self.copy_link_button, self.reopen_button, self.revoke_button):
            b.setVisible(self.may_publish)
        if not self.may_publish:
            role = studio.actor.role.value
            self.status.setText(f"{'An' if role[0] in 'aeiou' else 'A'} {role} may not publish.")
        self._load_defaults()
        self.refresh()

    # Defaults and the list --------------------------------------------------------------------
    def _load_defaults(self) -> None:
        self.studio.jobs.run(
            self.studio.services.settings.get(self.studio.actor),
            lambda got: self._show_defaults(got[1]),
            lambda text, _: self.status.setText(text),
        )

    def _show_defaults(self, settings: StudioSettings) -> None:
        self.address.show_for(settings)
        self.expires_days.setValue(settings.link_expiry_days)
        self.allow_download.setChecked(settings.link_allow_download)
        self.download_size.setCurrentIndex(
            max(0, self.download_size.findData(settings.link_download_size))
        )
        for w in (self.download_size, self.download_pin):
            w.setEnabled(self.may_publish and settings.link_allow_download)
        self.watermark.setChecked(settings.link_watermark)

    def refresh(self) -> None:
        self.studio.jobs.run(
            self.studio.services.links.list(self.studio.actor, self.album.id),
            self._show_links,
            lambda text, _: self.status.setText(text),
        )

    def _show_links(self, links: list[LinkView]) -> None:
        self.links.clear()
        for link in reversed(links):  # newest first
            state = (
                "revoked"
                if link.revoked_at is not None
                else ("active" if link.active else "expired")
            ) + (f" · selection sent by {', '.join(link.sent_by)}" if link.sent_by else "")
            item = QTreeWidgetItem(
                [
                    str(link.id)[:8],
                    f"{link.created_at:%Y-%m-%d %H:%M}",
                    f"{link.expires_at:%Y-%m-%d}" if link.expires_at else "never",
                    link.guest_name or "anyone",
                    "yes" if link.has_pin else "no",
                    str(link.max_select) if link.max_select else "album's",
                    state,
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, link)
            self.links.addTopLevelItem(item)
        self._link_chosen()

    def chosen_link(self) -> LinkView | None:
        items = self.links.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _link_chosen(self) -> None:
        link = self.chosen_link()
        self.revoke_button.setEnabled(
            self.may_publish and link is not None and link.revoked_at is None
        )
        self.copy_link_button.setEnabled(self.may_publish and link is not None and link.active)
        self.reopen_button.setEnabled(self.may_publish and link is not None and bool(link.sent_by))
        self.replace_button.setVisible(False)

    # Acting ------------------------------------------------------------------------------------
    def create(self) -> None:
        if not self.may_publish:
            return
        self.create_button.setEnabled(False)
        self.status.setText("Creating the link…")
        self.studio.jobs.run(
            self.studio.services.links.create(
                self.studio.actor,
                self.album.id,
                expires_days=self.expires_days.value(),
                pin=self.pin.text() or None,
                max_select=self.max_select.value() or None,
                allow_download=self.allow_download.isChecked(),
                watermark=self.watermark.isChecked(),
                guest_name=self.guest_name.text() or None,
                download_size=self.download_size.currentData(),
                download_pin=(
                    self.download_pin.text() or None if self.allow_download.isChecked() else None
                ),
            ),
            self._created,
            self._failed,
            label="Publishing a link",
        )

    def _created(self, made: PublishedLink) -> None:
        self.create_button.setEnabled(True)
        self._made = made
        self.send_button.setEnabled(self.may_publish)
        self.url.setText(made.url)
        self.copy_button.setEnabled(True)
        when = f"{made.expires_at:%Y-%m-%d}" if made.expires_at else "never"
        self.status.setText(
            f"Link {str(made.id)[:8]} valid until {when}. You can copy it again later from the "
            "list below, on this computer."
        )
        self.published.emit(made)
        self.refresh()

    def _failed(self, text: str, _exc: BaseException) -> None:
        self.create_button.setEnabled(True)
        self.status.setText(text)

    def send_invite(self) -> None:
        """E-mail the new link to the client; the PIN is never in it."""
        made = self._made
        if made is None or not self.email.text().strip():
            return
        self.send_button.setEnabled(False)

        def queued(invitation: Invitation) -> None:
            self.send_button.setEnabled(True)
            if self.studio.mail is not None:
                self.studio.mail.wake()
            words = f"Invitation to {invitation.to} is on its way."
            if invitation.has_pin:
                words += (
                    " The PIN is not in the e-mail: give it to the client by phone or text message."
                )
            self.status.setText(words)

        def failed(text: str, _exc: BaseException) -> None:
            self.send_button.setEnabled(True)
            self.status.setText(text)

        self.studio.jobs.run(
            self.studio.services.mail.invite(
                self.studio.actor, made.id, self.email.text(), made.url
            ),
            queued,
            failed,
            label="Queueing the invitation",
        )

    def copy_url(self) -> None:
        if self.url.text():
            QGuiApplication.clipboard().setText(self.url.text())
            self.status.setText("The link is on the clipboard.")

    def revoke(self) -> None:
        link = self.chosen_link()
        if link is None or not self.may_publish:
            return
        self.studio.jobs.run(
            self.studio.services.links.revoke(self.studio.actor, link.id),
            lambda gone: (
                self.status.setText(f"Link {str(gone.id)[:8]} revoked; its galleries close."),
                self.refresh(),
            ),
            lambda text, _: self.status.setText(text),
        )

    def copy_link(self) -> None:
        """The chosen link's address again, rebuilt on this computer, onto the clipboard."""
        link = self.chosen_link()
        if link is None or not self.may_publish:
            return
        self.studio.jobs.run(
            self.studio.services.links.show(self.studio.actor, link.id),
            self._shown,
            self._cannot_show,
        )

    def _shown(self, made: PublishedLink) -> None:
        self.url.setText(made.url)
        self.copy_button.setEnabled(True)
        QGuiApplication.clipboard().setText(made.url)
        self.status.setText(f"Link {str(made.id)[:8]} is on the clipboard.")

    def _cannot_show(self, text: str, _exc: BaseException) -> None:
        self.status.setText(text)
        self.replace_button.setVisible(self.may_publish)

    def replace_link(self) -> None:
        """Revoke the chosen link and publish a new one with the options above."""
        link = self.chosen_link()
        if link is None or not self.may_publish:
            return
        self.replace_button.setVisible(False)
        self.studio.jobs.run(
            self.studio.services.links.revoke(self.studio.actor, link.id),
            lambda _gone: self.create(),
            lambda text, _: self.status.setText(text),
        )

    def reopen_selection(self) -> None:
        link = self.chosen_link()
        if link is None or not self.may_publish:
            return
        self.studio.jobs.run(
            self.studio.services.links.unlock(self.studio.actor, link.id),
            self._reopened,
            lambda text, _: self.status.setText(text),
        )

    def _reopened(self, done: Reopened) -> None:
        self.status.setText(f"{', '.join(done.guests)} can change their picks and send them again.")
        self.refresh()

    def _address_saved(self, text: str) -> None:
        self.status.setText(text)
