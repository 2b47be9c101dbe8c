"""The studio's albums grouped by stage, with counts and a search box; it follows the studio's
changes, so an album made or moved on another machine or in a terminal shows up at once. An
album a client did something in shows a badge until it is opened."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHeaderView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.changes import Change
from core.events import Event
from core.services.albums import AlbumSummary
from core.workflow import ORDER
from ui.studio import Studio

ALBUM_ROLE = Qt.ItemDataRole.UserRole + 1
REFRESH_AFTER_MS = 250  # changes come in bursts (an import): list the albums once per burst
# Changes that alter an album's name, stage or counts.
LISTED = frozenset(
    {
        Change.ALBUM_CREATED,
        Change.ALBUM_CHANGED,
        Change.ALBUM_STAGE,
        Change.ALBUM_TRASHED,
        Change.ALBUM_RESTORED,
        Change.ALBUM_DELETED,
        Change.PHOTO_VERSION,
        Change.PHOTO_REMOVED,
        Change.RESYNC,
    }
)
TRASH_ROLE = Qt.ItemDataRole.UserRole + 2  # (album id, name) of an album in the trash, or "trash"


class AlbumBrowser(QWidget):
    album_chosen = Signal(object)  # AlbumSummary
    message = Signal(str)

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.albums: list[AlbumSummary] = []
        self.trash: list[tuple[uuid.UUID, str, object]] = []
        self.current_id: uuid.UUID | None = None
        # An album's delivery in words ("delivering 12 of 40"), shown beside its name.
        self.delivery_words: Callable[[uuid.UUID], str] = lambda _album_id: ""
        self.news: dict[uuid.UUID, int] = {}  # client actions per album since it was opened
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search albums or clients")
        self.search.setClearButtonEnabled(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("albumBrowser")
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(2)
        self.tree.setRootIsDecorated(True)
        # Names take the width, counts only what they need: no "Studi..." for "Studio portraits".
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.setMinimumWidth(200)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        self.search.textChanged.connect(lambda _: self._fill())
        self.tree.currentItemChanged.connect(self._on_current)
        self._refresh_soon = QTimer(self)
        self._refresh_soon.setSingleShot(True)
        self._refresh_soon.setInterval(REFRESH_AFTER_MS)
        self._refresh_soon.timeout.connect(self.refresh)
        self._listener: asyncio.Future[None] | None = None
        studio.actor_changed.connect(self.follow)
        self.follow()

    # Following the studio's changes ----------------------------------------------------------
    def follow(self) -> None:
        """Listen to the current user's studio (again, after a switch of user)."""
        self.stop_following()
        self._listener = self.studio.hear_changes(self._heard)

    def stop_following(self) -> None:
        self._refresh_soon.stop()  # a closed window lists nothing more
        if self._listener is not None:
            self._listener.cancel()
            self._listener = None

    def _heard(self, event: Event) -> None:
        if event.kind in LISTED and not self._refresh_soon.isActive():
            self._refresh_soon.start()

    def refresh(self, select: uuid.UUID | None = None) -> None:
        if select is not None:
            self.current_id = select
        self.studio.jobs.run(
            self.studio.services.albums.list(self.studio.actor),
            self._show,
            lambda text, _: self.message.emit(text),
            label="Loading albums",
        )
        self.studio.jobs.run(
            self.studio.services.albums.in_trash(self.studio.actor),
            self._show_trash,
            lambda text, _: self.message.emit(text),
        )

    def _show_trash(self, trashed: list[tuple[uuid.UUID, str, object]]) -> None:
        self.trash = trashed
        self._fill()

    def _show(self, albums: list[AlbumSummary]) -> None:
        self.albums = albums
        self._fill()

    def _fill(self) -> None:
        needle = self.search.text().strip().lower()
        shown = [
            a
            for a in self.albums
            if not needle or needle in a.name.lower() or needle in (a.client or "").lower()
        ]
        self.tree.blockSignals(True)
        self.tree.clear()
        chosen = None
        for stage in ORDER:
            albums = [a for a in shown if a.stage is stage]
            group = QTreeWidgetItem(self.tree, [f"{stage.title} ({len(albums)})"])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setExpanded(True)
            for a in albums:
                label = a.name if not a.client else f"{a.name} · {a.client}"
                if words := self.delivery_words(a.id):
                    label += f" · {words}"
                news = self.news.get(a.id, 0)
                if news:
                    label = f"{label}  ● {news} new"
                item = QTreeWidgetItem(group, [label, str(a.photo_count)])
                if news:
                    item.setToolTip(0, f"{news} new from the client since you last opened it")
                    font = item.font(0)
                    font.setBold(True)
                    item.setFont(0, font)
                item.setData(0, ALBUM_ROLE, a)
                item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
                if a.id == self.current_id:
                    chosen = item
        if self.trash:
            bin_ = QTreeWidgetItem(self.tree, [f"Trash ({len(self.trash)})"])
            bin_.setFlags(Qt.ItemFlag.ItemIsEnabled)
            bin_.setData(0, TRASH_ROLE, "trash")
            bin_.setExpanded(True)
            for album_id, name, _at in self.trash:
                item = QTreeWidgetItem(bin_, [name])
                item.setData(0, TRASH_ROLE, (album_id, name))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # not opened: it is in the trash
        self.tree.resizeColumnToContents(1)
        self.tree.blockSignals(False)
        if chosen is not None:
            self.tree.setCurrentItem(chosen)

    def show_deliveries(self, words: Callable[[uuid.UUID], str]) -> None:
        self.delivery_words = words
        self._fill()

    def _on_current(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        album = item.data(0, ALBUM_ROLE) if item is not None else None
        if album is not None and album.id != self.current_id:
            self.current_id = album.id
            self.album_chosen.emit(album)

    def badge(self, album_id: uuid.UUID) -> None:
        """A client did something in this album: show it until the album is opened."""
        if album_id == self.current_id:  # open: its grid and inspector show it live
            return
        self.news[album_id] = self.news.get(album_id, 0) + 1
        self._fill()

    def seen(self, album_id: uuid.UUID) -> None:
        if self.news.pop(album_id, None):
            self._fill()

    def name_of(self, album_id: uuid.UUID) -> str | None:
        return next((a.name for a in self.albums if a.id == album_id), None)

    def item_for(self, name: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                album = group.child(j).data(0, ALBUM_ROLE)
                if album is not None and album.name == name:
                    return group.child(j)
        return None

    def trash_item(self, name: str | None = None) -> QTreeWidgetItem | None:
        """The Trash group, or the trashed album `name` in it."""
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            if group.data(0, TRASH_ROLE) != "trash":
                continue
            if name is None:
                return group
            for j in range(group.childCount()):
                if group.child(j).data(0, TRASH_ROLE)[1] == name:
                    return group.child(j)
        return None
