"""Right-click on an album in the browser: open it, rename it, import into it, publish it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu

from core.policies import Permission
from core.services.albums import AlbumSummary
from ui.album_browser import ALBUM_ROLE

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class AlbumMenu:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.tree = window.browser.tree
        self.menu: QMenu | None = None
        self.rename_dialog: QInputDialog | None = None
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self.show_at)

    def show_at(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        album = item.data(0, ALBUM_ROLE) if item is not None else None
        if album is None:
            return
        self.tree.setCurrentItem(item)  # opens it, as a left click would
        self.menu = self.build(album)
        self.menu.popup(self.tree.viewport().mapToGlobal(pos))

    def build(self, album: AlbumSummary) -> QMenu:
        w = self.window
        menu = QMenu(self.tree)
        menu.addSection(album.name)
        manage = w.studio.may(Permission.MANAGE_ALBUMS)
        rename = menu.addAction("Rename…")
        rename.setEnabled(manage)
        rename.triggered.connect(lambda: self.ask_rename(album))
        menu.addAction("Import photos…").triggered.connect(w.open_ingest)
        if w.studio.may(Permission.PUBLISH_LINKS):
            menu.addAction("Publish to the client…").triggered.connect(w.open_publish)
        menu.addAction("Client picks for Lightroom…").triggered.connect(w.open_picks)
        return menu

    def ask_rename(self, album: AlbumSummary) -> QInputDialog:
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle(f"Rename {album.name}")
        dialog.setLabelText("New name")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(album.name)
        dialog.setOkButtonText("Rename")
        dialog.textValueSelected.connect(lambda name: self.rename(album, name))
        self.rename_dialog = dialog
        dialog.open()
        return dialog

    def rename(self, album: AlbumSummary, name: str) -> None:
        w = self.window
        w.studio.jobs.run(
            w.studio.services.albums.rename(w.studio.actor, album.id, name),
            self._renamed,
            lambda text, _: w.complain(text),
        )

    def _renamed(self, album: AlbumSummary) -> None:
        w = self.window
        w.browser.refresh(album.id)
        if w.album is not None and w.album.id == album.id:
            w.album = album
            w.stage_bar.show_album(album)
        w.say(f"The album is now called {album.name}.")
