"""The studio window: albums on the left, the stage bar and grid (or loupe) in the middle, the
inspector on the right, background jobs in the status bar."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.policies import Permission
from core.services.albums import AlbumSummary
from core.services.photos import PhotoRow
from core.workflow import Stage
from ui.album_browser import AlbumBrowser
from ui.album_grid import AlbumGrid
from ui.album_menu import AlbumMenu
from ui.album_presets_dialog import AlbumPresetsDialog
from ui.audit_dialog import AuditDialog
from ui.client_notices import ClientNotices
from ui.deliveries import Deliveries
from ui.drive_panel import DrivePanel
from ui.ingest_dialog import IngestDialog
from ui.inspector import Inspector
from ui.loupe import Loupe
from ui.new_album_dialog import NewAlbumDialog
from ui.pane_memory import keep_panes, remember
from ui.photo_menu import PhotoMenu
from ui.picks_dialog import PicksDialog
from ui.publish_dialog import PublishDialog
from ui.settings_dialog import SettingsDialog
from ui.stage_bar import StageBar
from ui.studio import Studio
from ui.switch_user_dialog import SwitchUserDialog
from ui.sync_panel import SyncPanel
from ui.users_dialog import UsersDialog
from ui.view_modes import ViewModes


class MainWindow(QMainWindow):
    closing = Signal()

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.album: AlbumSummary | None = None
        self.dialogs: dict[str, QWidget] = {}
        self.resize(1400, 900)
        self.browser = AlbumBrowser(studio, self)
        self.stage_bar = StageBar(studio, self)
        self.grid = AlbumGrid(studio, self)
        self.loupe = Loupe(studio.services.paths.previews, self, album=self.grid)
        self.loupe.key_handler = self.grid.handle_key
        self.inspector = Inspector(studio, self)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.grid)
        self.pages.addWidget(self.loupe)
        centre = QWidget(self)
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.stage_bar)
        column.addWidget(self.pages, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.browser)
        split.addWidget(centre)
        split.addWidget(self.inspector)
        keep_panes(split, "panes/main", [260, 880, 300])
        self.split = split
        self.setCentralWidget(split)
        self.jobs_label = QLabel(self)
        self.portal_label = QLabel(self)
        self.portal_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.user_label = QLabel(self)
        # The sync with a studio server, when this desktop has one: "offline: 12 changes waiting".
        self.sync_label = QPushButton(self)
        self.sync_label.setFlat(True)
        self.sync_label.setVisible(False)
        self.sync_label.clicked.connect(self.open_sync)
        self.statusBar().addPermanentWidget(self.sync_label)
        # delivery (issue 14): "Smith Wedding: delivering 12 of 40"
        self.deliveries = Deliveries(studio, self)
        self.delivery_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.delivery_label)
        # Google Drive sync (issue 13): "Drive: Wedding uploading 12 of 240", "Drive: 2 conflicts"
        self.drive_label = QPushButton(self)
        self.drive_label.setFlat(True)
        self.drive_label.setVisible(False)
        self.drive_label.clicked.connect(self.open_drive)
        self.drive_sync_all: Any = None  # set by the app when Drive sync runs
        self.statusBar().addPermanentWidget(self.drive_label)
        self.statusBar().addPermanentWidget(self.jobs_label)
        self.statusBar().addPermanentWidget(self.portal_label)
        self.statusBar().addPermanentWidget(self.user_label)
        self._menus()
        self._wire()
        self.modes = ViewModes(self)
        self.photo_menu = PhotoMenu(self)
        self.album_menu = AlbumMenu(self)
        self._apply_role()

    def _menus(self) -> None:
        def action(menu: Any, text: str, slot: Any, shortcut: Any = None) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            a.triggered.connect(slot)
            menu.addAction(a)
            return a

        bar = self.menuBar()
        f = bar.addMenu("&File")
        self.new_album_action = action(f, "New album…", self.new_album, "Ctrl+N")
        self.import_action = action(f, "Import photos…", self.open_ingest, "Ctrl+Shift+I")
        f.addSeparator()
        action(f, "Switch user…", self.switch_user)
        action(f, "Quit", self.close, QKeySequence.StandardKey.Quit)
        e = bar.addMenu("&Edit")
        self.undo_action = action(e, "Undo mark", self.grid.undo, QKeySequence.StandardKey.Undo)
        action(e, "Choose all photos", self.grid.select_all, QKeySequence.StandardKey.SelectAll)
        a = bar.addMenu("&Album")
        self.publish_action = action(a, "Publish to the client…", self.open_publish, "Ctrl+Shift+P")
        self.picks_action = action(a, "Client picks for Lightroom…", self.open_picks)
        v = bar.addMenu("&View")
        action(v, "Refresh", self.refresh, "F5")
        self.studio_menu = bar.addMenu("&Studio")
        self.settings_action = action(self.studio_menu, "Studio settings…", self.open_settings)
        self.users_action = action(self.studio_menu, "Users and roles…", self.open_users)
        self.audit_action = action(self.studio_menu, "Audit log…", self.open_audit)
        h = bar.addMenu("&Help")
        action(h, "Culling keys", self.show_keys, "F1")

    def _wire(self) -> None:
        s = self.studio
        self.browser.album_chosen.connect(self.open_album)
        self.grid.current_changed.connect(self._on_current)
        self.grid.loupe_requested.connect(self.toggle_loupe)
        self.grid.album_changed.connect(self._album_changed)
        self.loupe.closed.connect(self.toggle_loupe)
        self.loupe.step.connect(self._step)
        self.stage_bar.show_photos.connect(self.grid.show_only)
        self.stage_bar.show_selected.connect(self._show_selected)
        self.stage_bar.import_requested.connect(self.open_ingest)
        self.stage_bar.client_picks_requested.connect(
            lambda: self.grid.client_filter.setChecked(True)
        )
        self.stage_bar.moved.connect(lambda a: self.browser.refresh(a.id))
        for source in (self.browser, self.grid, self.stage_bar):
            source.message.connect(self.say)
        s.jobs.failed.connect(self.complain)
        s.jobs.changed.connect(self._jobs_changed)
        s.actor_changed.connect(self._apply_role)
        # delivery (issue 14): reaching Final makes the finals; a killed delivery carries on
        self.stage_bar.moved.connect(self._delivery_after_move)
        self.deliveries.changed.connect(self._deliveries_changed)
        self.deliveries.finished.connect(self.say)
        self.deliveries.resume()
        # delivery (issue 14): what clients do, told as a notification and a badge on the album
        self.notices = ClientNotices(s, self.browser.name_of, self.say, self)
        self.notices.told.connect(lambda album_id, *_: self.browser.badge(album_id))

    def _apply_role(self) -> None:
        a = self.studio.actor
        self.user_label.setText(f"{a.email} · {a.role.value}")
        self.setWindowTitle(f"PhotoFlow — {a.email}")
        manage = self.studio.may(Permission.MANAGE_ALBUMS)
        self.new_album_action.setEnabled(manage)
        self.import_action.setEnabled(manage or self.studio.may(Permission.ADD_RETOUCHES))
        self.settings_action.setVisible(self.studio.may(Permission.MANAGE_STUDIO))
        self.users_action.setVisible(self.studio.may(Permission.MANAGE_STUDIO))
        self.audit_action.setVisible(self.studio.may(Permission.VIEW_AUDIT))
        self.publish_action.setVisible(self.studio.may(Permission.PUBLISH_LINKS))
        self._album_actions()
        self.studio_menu.menuAction().setVisible(
            self.studio.may(Permission.MANAGE_STUDIO) or self.studio.may(Permission.VIEW_AUDIT)
        )
        for name in ("settings", "users", "audit", "publish"):
            dialog = self.dialogs.pop(name, None)
            if dialog is not None:
                dialog.close()
        self.refresh()

    # Albums and photos -----------------------------------------------------------------------
    def refresh(self) -> None:
        self.browser.refresh()
        if self.album is not None:
            self.grid.reload()
            self.stage_bar.refresh()

    def _album_actions(self) -> None:
        self.publish_action.setEnabled(
            self.album is not None and self.studio.may(Permission.PUBLISH_LINKS)
        )
        self.picks_action.setEnabled(self.album is not None)

    def open_album(self, album: AlbumSummary) -> None:
        self.album = album
        self.browser.seen(album.id)
        self._album_actions()
        self.stage_bar.clear_refusals()
        self.stage_bar.show_album(album)
        self.stage_bar.refresh()
        self.grid.open_album(album.id)
        self.pages.setCurrentWidget(self.grid)
        self.grid.view.setFocus()

    def _album_changed(self) -> None:
        self.stage_bar.refresh()
        self.browser.refresh()

    def _on_current(self, row: PhotoRow | None) -> None:
        self.inspector.album_id = self.grid.album_id
        self.inspector.show_photo(row)
        if self.pages.currentWidget() is self.loupe and row is not None:
            if self.loupe.photo is not None and self.loupe.photo.id == row.id:
                self.loupe.update_photo(row)
            else:
                self.loupe.show_photo(row)

    def toggle_loupe(self) -> None:
        if self.pages.currentWidget() is self.loupe:
            self.pages.setCurrentWidget(self.grid)
            self.grid.view.setFocus()
        elif self.grid.current_photo() is not None:
            self.loupe.show_photo(self.grid.current_photo())
            self.pages.setCurrentWidget(self.loupe)
            self.loupe.setFocus()

    def _step(self, delta: int) -> None:
        index = self.grid.view.currentIndex()
        row = (index.row() if index.isValid() else 0) + delta
        if 0 <= row < self.grid.model.rowCount():
            self.grid.view.setCurrentIndex(self.grid.model.index(row))

    def _show_selected(self) -> None:
        self.grid.show_only(self.grid.model.selected_ids())

    # Dialogs ---------------------------------------------------------------------------------
    def _dialog(self, name: str, make: Any) -> Any:
        dialog = self.dialogs.get(name)
        if dialog is None or not dialog.isVisible():
            dialog = make()
            self.dialogs[name] = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def show_sync(self, words: str) -> None:
        """The sync's state after each round (the app's sync client calls it)."""
        self.sync_label.setText(words)
        self.sync_label.setVisible(True)
        panel = self.dialogs.get("sync")
        if panel is not None and panel.isVisible():
            panel.show_state(words)

    def open_sync(self) -> SyncPanel:
        panel = self._dialog("sync", lambda: SyncPanel(self.studio, self))
        panel.show_state(self.sync_label.text() or "not connected")
        return panel

    def show_drive(self, words: str) -> None:
        """The Drive sync's state (the app's Drive runner calls it)."""
        self.drive_label.setText(words)
        self.drive_label.setVisible(True)
        panel = self.dialogs.get("drive")
        if panel is not None and panel.isVisible():
            panel.show_state(words)

    def open_drive(self) -> DrivePanel:
        panel = self._dialog("drive", lambda: DrivePanel(self.studio, self, self.drive_sync_all))
        panel.show_state(self.drive_label.text() or "Drive: not connected")
        return panel

    def new_album(self) -> None:
        dialog = self._dialog("new_album", lambda: NewAlbumDialog(self.studio, self))
        dialog.created.connect(lambda a: (self.browser.refresh(a.id), self.open_album(a)))

    def open_ingest(self) -> IngestDialog | None:
        if self.album is None:
            self.say("Open an album first, or make a new one (Ctrl+N).")
            return None
        album = self.album
        dialog = self._dialog("ingest", lambda: IngestDialog(self.studio, album, self))
        dialog.imported.connect(lambda _r: (self.grid.reload(), self._album_changed()))
        dialog.resolved.connect(lambda _n: self._album_changed())
        return dialog

    def open_publish(self) -> PublishDialog | None:
        if self.album is None or not self.studio.may(Permission.PUBLISH_LINKS):
            return None
        album = self.album
        if getattr(self.dialogs.get("publish"), "album", album).id != album.id:
            self.dialogs.pop("publish").close()
        return self._dialog("publish", lambda: PublishDialog(self.studio, album, self))

    def open_picks(self) -> PicksDialog | None:
        if self.album is None:
            return None
        album = self.album
        if getattr(self.dialogs.get("picks"), "album", album).id != album.id:
            self.dialogs.pop("picks").close()
        return self._dialog("picks", lambda: PicksDialog(self.studio, album, self))

    def open_settings(self) -> None:
        if self.studio.may(Permission.MANAGE_STUDIO):
            self._dialog("settings", lambda: SettingsDialog(self.studio, self))

    def open_users(self) -> None:
        if self.studio.may(Permission.MANAGE_STUDIO):
            self._dialog("users", lambda: UsersDialog(self.studio, self))

    def open_audit(self) -> None:
        if self.studio.may(Permission.VIEW_AUDIT):
            self._dialog("audit", lambda: AuditDialog(self.studio, self))

    def switch_user(self) -> None:
        self._dialog("switch", lambda: SwitchUserDialog(self.studio, self))

    def show_keys(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Culling keys")
        box.setText(
            "0–5 stars · P pick · X reject · U unflag · 6 red, 7 yellow, 8 green, 9 blue label\n"
            "S puts the photo in the selection (or takes it out) · Space loupe · Z zoom in the "
            "loupe\nF full-screen loupe · C compare two · N survey the chosen photos · "
            "Ctrl + / Ctrl - thumbnail size\n"
            "Arrows, Home, End move the current photo · Ctrl+click, Shift+click choose several · "
            "Ctrl+A choose all · Ctrl+Z undo the last mark"
        )
        box.open()

    # Status ----------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.statusBar().showMessage(text.splitlines()[0] if text else "", 8000)
        self.last_message = text

    def complain(self, text: str) -> None:
        """A failed background job: a plain sentence in the status bar and a non-blocking box."""
        self.say(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "PhotoFlow", text, parent=self)
        box.open()

    def show_portal(self, url: str | None, problem: str = "") -> None:
        """The embedded portal's address, or why it is not running (the app works without it)."""
        if url:
            self.portal_label.setText(f"Portal: {url}")
            self.portal_label.setToolTip("Clients' galleries are served from here.")
        else:
            self.portal_label.setText("Portal: off")
            self.portal_label.setToolTip(problem)
            if problem:
                self.say(problem)

    def _jobs_changed(self) -> None:
        labels = self.studio.jobs.labels
        self.jobs_label.setText(
            ""
            if not labels
            else f"⟳ {labels[-1]}" + (f" (+{len(labels) - 1})" if len(labels) > 1 else "")
        )

    # Delivery (issue 14) ---------------------------------------------------------------------
    def _delivery_after_move(self, album: AlbumSummary) -> None:
        if album.stage is Stage.FINAL:
            self.deliveries.start(album.id, album.name)

    def _deliveries_changed(self) -> None:
        self.delivery_label.setText(self.deliveries.status())
        self.browser.show_deliveries(self.deliveries.words)

    def open_album_presets(self, album: AlbumSummary) -> AlbumPresetsDialog:
        dialog = AlbumPresetsDialog(self.studio, album, self.deliveries, self)
        dialog.open()
        return dialog

    def closeEvent(self, event: QCloseEvent) -> None:
        remember(self.split, "panes/main")
        self.grid.close_album()
        self.browser.stop_following()
        self.deliveries.stop_following()
        self.notices.stop()
        self.closing.emit()
        super().closeEvent(event)
