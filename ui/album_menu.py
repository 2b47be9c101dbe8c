"""Right-click on an album in the browser: rename it, import into it, publish it, move it to the
trash; in the trash, put it back, or (an admin) empty the trash."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QMessageBox

from core.policies import Permission
from core.services.albums import AlbumSummary
from core.workflow import Stage
from ui.album_browser import ALBUM_ROLE, TRASH_ROLE
from ui.finals_export import FinalsExport

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class AlbumMenu:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.tree = window.browser.tree
        self.menu: QMenu | None = None
        self.rename_dialog: QInputDialog | None = None
        self.confirm: QMessageBox | None = None
        self.finals = FinalsExport(window)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self.show_at)

    def show_at(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        trashed = item.data(0, TRASH_ROLE)
        if trashed is not None:
            self.menu = self.build_trash(trashed)
            self.menu.popup(self.tree.viewport().mapToGlobal(pos))
            return
        album = item.data(0, ALBUM_ROLE)
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
        presets = menu.addAction(  # delivery (issue 14)
            "Export presets and finals…" if album.stage is Stage.FINAL else "Export presets…"
        )
        presets.setEnabled(manage)
        presets.triggered.connect(lambda: w.open_album_presets(album))
        final = album.stage is Stage.FINAL
        for text, ask in (
            ("Export finals to folder…", self.finals.ask_folder),
            ("Save finals as zip…", self.finals.ask_zip),
        ):
            action = menu.addAction(text)
            action.setEnabled(final)
            action.triggered.connect(lambda _=False, ask=ask: ask(album))
        menu.addSeparator()
        trash = menu.addAction("Move to the trash…")
        trash.setEnabled(manage)
        trash.triggered.connect(lambda: self.ask_trash(album))
        return menu

    def build_trash(self, trashed: object) -> QMenu:
        w = self.window
        menu = QMenu(self.tree)
        if trashed == "trash":
            empty = menu.addAction("Empty the trash…")
            empty.setEnabled(w.studio.may(Permission.MANAGE_STUDIO))
            empty.triggered.connect(self.ask_empty)
        else:
            album_id, name = trashed  # type: ignore[misc]
            menu.addSection(name)
            back = menu.addAction("Put back")
            back.setEnabled(w.studio.may(Permission.MANAGE_ALBUMS))
            back.triggered.connect(
                lambda: self._run(w.studio.services.albums.put_back, album_id, trashed=False)
            )
        return menu

    def ask_trash(self, album: AlbumSummary) -> QMessageBox:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Move to the trash",
            f"Move {album.name} to the trash? Its client links stop working; you can put it "
            "back until the trash is emptied.",
            QMessageBox.StandardButton.Cancel,
            self.window,
        )
        go = box.addButton("Move to the trash", QMessageBox.ButtonRole.AcceptRole)
        go.clicked.connect(
            lambda: self._run(
                self.window.studio.services.albums.move_to_trash, album.id, trashed=True
            )
        )
        self.confirm = box
        box.open()
        return box

    def ask_empty(self) -> QMessageBox:
        n = len(self.window.browser.trash)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Empty the trash",
            f"Delete {n} album{'s' if n != 1 else ''} for good, with their photos in the library "
            "and what clients said? This cannot be undone.",
            QMessageBox.StandardButton.Cancel,
            self.window,
        )
        go = box.addButton("Delete for good", QMessageBox.ButtonRole.DestructiveRole)
        go.clicked.connect(self._empty)
        self.confirm = box
        box.open()
        return box

    def _empty(self) -> None:
        w = self.window
        w.studio.jobs.run(
            w.studio.services.albums.empty_trash(w.studio.actor),
            lambda n: (w.browser.refresh(), w.say(f"{n} album{'s' if n != 1 else ''} deleted.")),
            lambda text, _: w.complain(text),
        )

    def _run(self, service: object, album_id: object, *, trashed: bool) -> None:
        w = self.window
        w.studio.jobs.run(
            service(w.studio.actor, album_id),  # type: ignore[operator]
            lambda album: self._moved(album, trashed),
            lambda text, _: w.complain(text),
        )

    def _moved(self, album: AlbumSummary, trashed: bool) -> None:
        w = self.window
        if not trashed:
            w.say(f"{album.name} is back among the albums.")
            w.browser.refresh()
            return
        if w.album is not None and w.album.id == album.id:  # close it: it is in the trash
            w.album = None
            w._album_actions()
            w.stage_bar.show_album(None)
            w.grid.open_album(None)
            w.inspector.show_photo(None)
            w.browser.current_id = None
        w.say(f"{album.name} is in the trash; right-click it there to put it back.")
        w.browser.refresh()

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
