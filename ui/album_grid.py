"""The album's contact sheet: the thumbnail grid, its filter bar, keyboard culling, live updates."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.changes import Change
from core.errors import NotFound
from core.events import Event
from core.policies import Permission
from core.services.photo_rows import AlbumRows
from core.services.photos import PhotoRow
from ui.culling import MarkChange, MarkHistory, mark_for_key
from ui.elided_label import ElidedLabel
from ui.photo_delegate import CELL, THUMB, PhotoDelegate
from ui.photo_grid_model import PhotoFilter, PhotoGridModel
from ui.studio import Studio
from ui.thumbnails import ThumbnailCache

RELOAD_AFTER_MS = 400  # new or removed photos arrive in bursts; re-read the album once per burst
ROWS_AFTER_MS = 30  # client activity and new previews: re-read just those photos, a burst at once
ROWS_AT_MOST = 200  # beyond this many changed photos one listing is cheaper than single rows
# Changes to one photo whose row (counts, preview) is re-read alone; the inspector follows.
ONE_PHOTO = frozenset(
    {
        Change.FEEDBACK_PICK,
        Change.FEEDBACK_STARS,
        Change.FEEDBACK_COMMENT,
        Change.FEEDBACK_DECISION,
        Change.PHOTO_VERSION,
        Change.PHOTO_PREVIEWS,
    }
)
# Changes to which photos the album has, or to many at once: list it again.
RELOAD = frozenset({Change.PHOTO_REMOVED, Change.SELECTION_SUBMITTED, Change.RESYNC})
# Changes that can alter which stage rules are met, so the stage bar re-checks them.
GATES = frozenset(
    {
        Change.ALBUM_STAGE,
        Change.ALBUM_CHANGED,
        Change.ALBUM_FAILURES,
        Change.FEEDBACK_DECISION,
        Change.SELECTION_SUBMITTED,
        Change.PHOTO_VERSION,
        Change.PHOTO_REMOVED,
        Change.RESYNC,
    }
)


class PhotoGridView(QListView):
    """Icon mode, uniform cells, batched layout; culling keys go to the grid before the view."""

    key_pressed = Signal(QKeyEvent)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoGrid")
        # A list laid out left to right in rows of grid cells, not Qt's icon mode: the icon
        # mode places each item on its own (asking the model about every photo, 100,000 calls
        # into Python for 50,000 photos), the list mode steps a fixed grid in C++.
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setSelectionRectVisible(True)  # the list mode's default is off; photos are framed
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(2000)
        self.setGridSize(CELL)
        self.setSpacing(0)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.handler: Any = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.handler is not None and self.handler(event):
            event.accept()
            return
        super().keyPressEvent(event)


FIRST_SCREEN = 400  # more cells than the largest screen shows at the smallest thumbnail size
SCREEN_FIRST_MS = 1000  # the most the whole album's listing waits for the first screen's pictures
SCREEN_POLL_MS = 20


class AlbumGrid(QWidget):
    current_changed = Signal(object)  # PhotoRow | None
    loupe_requested = Signal()
    album_changed = Signal()  # the stage moved, or photos/marks changed what blocks it
    message = Signal(str)

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.album_id: uuid.UUID | None = None
        self.history = MarkHistory()
        self.thumbnails = ThumbnailCache(studio.services.paths.previews, THUMB, parent=self)
        self.model = PhotoGridModel(self)
        self.view = PhotoGridView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(PhotoDelegate(self.thumbnails, self.model, self.view))
        self.view.handler = self.handle_key
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.thumbnails.ready.connect(self._on_thumbnail)
        self._listener: asyncio.Future[None] | None = None
        self._reload = QTimer(self, singleShot=True, interval=RELOAD_AFTER_MS)
        self._reload.timeout.connect(self.reload)
        self._changed: set[uuid.UUID] = set()  # photos whose rows are re-read when the timer fires
        self._previews_ready: set[uuid.UUID] = set()  # ... and whose real previews exist now
        self._rows_timer = QTimer(self, singleShot=True, interval=ROWS_AFTER_MS)
        self._rows_timer.timeout.connect(self._refresh_changed)
        self._thumb_repaint = QTimer(self, singleShot=True, interval=15)
        self._thumb_repaint.timeout.connect(self.view.viewport().update)

        self.flag_filter = QComboBox(self)
        for text, value in (
            ("All flags", None),
            ("Picked", "pick"),
            ("Rejected", "reject"),
            ("Unflagged", "unflagged"),
        ):
            self.flag_filter.addItem(text, value)
        self.stars_filter = QComboBox(self)
        self.stars_filter.addItem("Any rating", 0)
        for n in range(1, 6):
            self.stars_filter.addItem("★" * n + " or more", n)
        self.selection_filter = QCheckBox("In the selection", self)
        self.client_filter = QCheckBox("Client's picks", self)
        self.comments_filter = QCheckBox("Has comments", self)
        self.sort = QComboBox(self)
        self.sort.addItem("Capture time", "taken")
        self.sort.addItem("File name", "name")
        self.show_all = QPushButton("Show all photos", self)
        self.show_all.hide()
        self.counts = ElidedLabel("", self, Qt.TextElideMode.ElideRight)  # never widens the window
        self.counts.setObjectName("gridCounts")
        self.counts.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar = QHBoxLayout()
        for w in (
            self.flag_filter,
            self.stars_filter,
            self.selection_filter,
            self.client_filter,
            self.comments_filter,
        ):
            bar.addWidget(w)
        bar.addWidget(QLabel("Sort:", self))
        bar.addWidget(self.sort)
        bar.addWidget(self.show_all)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.counts)  # a footer: the filter bar leaves it no room
        for combo in (self.flag_filter, self.stars_filter):
            combo.currentIndexChanged.connect(self._apply_filter)
        for box in (self.selection_filter, self.client_filter, self.comments_filter):
            box.toggled.connect(self._apply_filter)
        self.sort.currentIndexChanged.connect(
            lambda _: self.model.set_order(self.sort.currentData())
        )
        self.show_all.clicked.connect(lambda: self.show_only(None))
        self.model.modelReset.connect(self._update_counts)

    # Opening an album and keeping it live ----------------------------------------------------
    def open_album(self, album_id: uuid.UUID | None) -> None:
        if album_id == self.album_id:
            return
        self._stop_listening()
        self.album_id = album_id
        self.history.clear()
        self.thumbnails.forget_pending()
        self._changed.clear()
        self._previews_ready.clear()
        self.model.set_rows([])
        if album_id is None:
            return
        # It lives as long as the album is open; close_album() cancels it.
        self._listener = self.studio.hear_changes(self._on_event, album_id)
        self.reload(first_screen=True)

    def reload(self, *, first_screen: bool = False) -> None:
        """Read the album's photos. On opening, the album's contact sheet (its rows kept since
        it was last listed, brought up to date from the journal) puts the whole album in the
        model at once; without one, the first screenful comes first (a short query), so a
        50,000-photo album paints at once. Then, unless the first screen held every photo, the
        whole album is listed, and kept as the next sheet; that listing is shown only if it
        differs from what is shown. Marks and rows changed while a listing is on its way are
        applied again when it arrives: the listing may have been read before them."""
        album_id = self.album_id
        if album_id is None:
            return
        photos, actor, jobs = self.studio.services.photos, self.studio.actor, self.studio.jobs

        def whole_album(_: object = None, *, after_screen: bool = False) -> None:
            if album_id != self.album_id:
                return
            since = self.model.edits_mark()

            def listing() -> Awaitable[AlbumRows]:
                return photos.listing(actor, album_id, keep=True)

            jobs.run(
                self._after_thumbnails(listing) if after_screen else listing(),
                lambda rows: self._show_rows(album_id, rows, since, unless_shown=True),
                lambda text, _: self.message.emit(text),
                label="Loading photos",
            )

        if not first_screen:
            whole_album()
            return

        since = self.model.edits_mark()

        def first(rows: AlbumRows, *, whole: bool = False) -> None:
            self._show_first_screen(album_id, rows, since)
            if not whole:
                whole_album(after_screen=True)

        def first_screen_only() -> None:
            jobs.run(
                photos.listing(actor, album_id, limit=FIRST_SCREEN),
                # Less than a screenful is the whole album: no second listing.
                lambda rows: first(rows, whole=len(rows) < FIRST_SCREEN),
                lambda text, _: (self.message.emit(text), whole_album()),
            )

        def kept(rows: AlbumRows | None) -> None:
            if rows is None:
                first_screen_only()
            else:
                first(rows)

        jobs.run(
            photos.kept_listing(actor, album_id),
            kept,
            lambda text, _: (self.message.emit(text), first_screen_only()),
        )

    async def _after_thumbnails(self, then: Callable[[], Awaitable[AlbumRows]]) -> AlbumRows:
        """`then`, once the thumbnails on screen are loaded (or after `SCREEN_FIRST_MS`): the
        listing behind them must not take the cores while the first screen fills in. Asked
        for before that screen is painted: the first look is after a paint. A job from the
        start, so closing the album or the app cancels the wait with it."""
        waited = 0
        while not waited or (self.thumbnails.pending and waited < SCREEN_FIRST_MS):
            await asyncio.sleep(SCREEN_POLL_MS / 1000)
            waited += SCREEN_POLL_MS
        return await then()

    def _show_first_screen(self, album_id: uuid.UUID, rows: AlbumRows, since: int) -> None:
        if album_id == self.album_id and self.model.rowCount() == 0:
            self._show_rows(album_id, rows, since)

    def _show_rows(
        self, album_id: uuid.UUID, rows: AlbumRows, since: int, *, unless_shown: bool = False
    ) -> None:
        if album_id != self.album_id:
            return
        if unless_shown and self.model.shows(rows):
            return  # the contact sheet was right: no reset, the view stays as it is
        current = self.current_photo()
        self.thumbnails.forget_missing()
        self.model.set_rows(rows, edits_since=since)
        row = self.model.row_of(current.id) if current else None
        if row is None and self.model.rowCount():
            row = 0
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row))
        else:
            self.current_changed.emit(None)

    def _on_event(self, event: Event) -> None:
        if event.kind is Change.PHOTO_MARKS and event.photo_id is not None:
            fields = {
                k: event.data[k] for k in ("stars", "flag", "label", "selected") if k in event.data
            }
            row = self.model.update_photo(event.photo_id, **fields)
            if row is not None and row.id == getattr(self.current_photo(), "id", None):
                self.current_changed.emit(row)
            self._update_counts()
            if "selected" in fields:
                self.album_changed.emit()
            return
        known = event.photo_id is not None and self.model.photo_by_id(event.photo_id) is not None
        if event.kind in ONE_PHOTO and known:
            # A client's pick or comment, a new version or preview: re-read that photo's row only.
            self._changed.add(event.photo_id)  # type: ignore[arg-type]
            if event.kind is Change.PHOTO_PREVIEWS:
                self._previews_ready.add(event.photo_id)  # type: ignore[arg-type]
            if not self._rows_timer.isActive():
                self._rows_timer.start()
        elif event.kind in RELOAD or event.kind in ONE_PHOTO:
            self._reload.start()  # new or removed photos, a submitted selection: the whole album
        if event.kind in GATES:
            self.album_changed.emit()

    def _refresh_changed(self) -> None:
        album_id, ids = self.album_id, list(self._changed)
        self._changed.clear()
        if album_id is None or not ids:
            return
        if len(ids) > ROWS_AT_MOST or self._reload.isActive():
            for photo_id in ids:  # the listing brings the rows, not which previews are new
                self._real_previews(self.model.photo_by_id(photo_id))
            if not self._reload.isActive():
                self.reload()
            return
        self.studio.jobs.run(
            self._rows(album_id, ids),
            lambda rows: self._show_changed(album_id, rows),
            lambda text, _: self.message.emit(text),
        )

    async def _rows(self, album_id: uuid.UUID, ids: list[uuid.UUID]) -> list[PhotoRow]:
        photos, actor, rows = self.studio.services.photos, self.studio.actor, []
        for photo_id in ids:
            try:
                rows.append(await photos.row(actor, album_id, photo_id))
            except NotFound:
                continue  # removed meanwhile; its photo.removed event re-reads the album
        return rows

    def _show_changed(self, album_id: uuid.UUID, rows: list[PhotoRow]) -> None:
        if album_id != self.album_id:
            return
        current = getattr(self.current_photo(), "id", None)
        for row in rows:
            if not self.model.put_row(row):
                self._reload.start()  # a photo the grid has not listed yet
            elif row.id == current:
                self.current_changed.emit(row)
            self._real_previews(row)
        self._update_counts()

    def _real_previews(self, row: PhotoRow | None) -> None:
        """If this photo's real previews were announced, its next paint loads them."""
        if row is not None and row.id in self._previews_ready:
            self._previews_ready.discard(row.id)
            if row.preview_hash:
                self.thumbnails.refresh(row.preview_hash)
                self._thumb_repaint.start()

    def _stop_listening(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            self._listener = None

    def close_album(self) -> None:
        self._stop_listening()

    # Current photo, filters ------------------------------------------------------------------
    def current_photo(self) -> PhotoRow | None:
        index = self.view.currentIndex()
        return self.model.photo(index.row()) if index.isValid() else None

    def chosen_photos(self) -> list[PhotoRow]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()})
        if not rows and self.view.currentIndex().isValid():
            rows = [self.view.currentIndex().row()]
        return [self.model.photo(r) for r in rows]

    def _on_current(self, current: Any, _previous: Any) -> None:
        self.current_changed.emit(self.model.photo(current.row()) if current.isValid() else None)

    def _on_thumbnail(self, _key: str) -> None:
        if not self._thumb_repaint.isActive():
            self._thumb_repaint.start()

    def _filter_of(self, only: frozenset[uuid.UUID] | None) -> PhotoFilter:
        """The filter the bar's controls say, restricted to `only` photos when given."""
        return PhotoFilter(
            flag=self.flag_filter.currentData(),
            min_stars=self.stars_filter.currentData(),
            in_selection=self.selection_filter.isChecked(),
            client_picks=self.client_filter.isChecked(),
            has_comments=self.comments_filter.isChecked(),
            only=only,
        )

    def _apply_filter(self) -> None:
        self.model.set_filter(self._filter_of(self.model.filter.only))
        self._select_first()

    def show_only(self, photo_ids: set[uuid.UUID] | None) -> None:
        """Show exactly these photos (a refused rule's), or everything again with None."""
        self.model.set_filter(
            self._filter_of(frozenset(photo_ids) if photo_ids is not None else None)
        )
        self.show_all.setVisible(photo_ids is not None)
        self._select_first()
        self.view.setFocus()

    def _select_first(self) -> None:
        if self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(0))
        else:
            self.current_changed.emit(None)

    def select_all(self) -> None:
        self.view.selectAll()

    def _update_counts(self) -> None:
        c = self.model.counts()
        shown = f"{c['shown']} of {c['total']}" if c["shown"] != c["total"] else f"{c['total']}"
        self.counts.set_full_text(
            f"{shown} photos · {c['picked']} picked · {c['rejected']} rejected · "
            f"{c['selected']} in the selection"
        )

    # Culling ---------------------------------------------------------------------------------
    def handle_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key == Qt.Key.Key_Space and not mods:
            self.loupe_requested.emit()
            return True
        if key == Qt.Key.Key_Z and mods == Qt.KeyboardModifier.ControlModifier:
            self.undo()  # also the Edit menu's shortcut; here for when the view has the key
            return True
        if mods != Qt.KeyboardModifier.NoModifier:
            return False
        mark = mark_for_key(key)
        if key == Qt.Key.Key_S:
            photos = self.chosen_photos()
            mark = ("selected", not all(p.selected for p in photos)) if photos else None
        if mark is None:
            return False
        self.mark(*mark)
        return True

    def mark(self, field: str, value: object) -> None:
        """Set one mark on the chosen photos: on screen now, saved at once, undoable."""
        if self.album_id is None:
            return
        if not self.studio.may(Permission.MANAGE_ALBUMS):
            role = self.studio.actor.role.value
            self.message.emit(f"{'An' if role[0] in 'aeiou' else 'A'} {role} may not cull photos.")
            return
        step = []
        for photo in self.chosen_photos():
            before = getattr(photo, field)
            if field in ("flag", "label") and before == value:
                value_now: object = None  # pressing P on a picked photo unflags it, as in Lightroom
            else:
                value_now = value
            if before != value_now:
                step.append(MarkChange(photo.id, field, before, value_now))
        self.history.push(step)
        self._apply(step, forward=True)

    def undo(self) -> None:
        step = self.history.pop()
        if step is None:
            self.message.emit("Nothing to undo.")
            return
        self._apply(step, forward=False)
        self.message.emit(f"Undone: {_describe(step, forward=False)}")

    def _apply(self, step: list[MarkChange], *, forward: bool) -> None:
        album_id = self.album_id
        for change in step:
            value = change.after if forward else change.before
            self.model.update_photo(change.photo_id, **{change.field: value})
            self.studio.jobs.run(
                self._save(album_id, change.photo_id, change.field, value),
                on_error=lambda text, _e, c=change, v=change.before if forward else change.after: (
                    self._revert(c.photo_id, c.field, v, text)
                ),
            )
        current = self.current_photo()
        if current is not None:
            self.current_changed.emit(current)
        self._update_counts()

    async def _save(self, album_id: Any, photo_id: uuid.UUID, field: str, value: Any) -> None:
        photos, actor, ref = self.studio.services.photos, self.studio.actor, str(photo_id)
        if field == "stars":
            await photos.rate(actor, album_id, ref, int(value))
        elif field == "flag":
            await photos.flag(actor, album_id, ref, value)
        elif field == "label":
            await photos.label(actor, album_id, ref, value)
        else:
            await photos.select(actor, album_id, ref, bool(value))

    def _revert(self, photo_id: uuid.UUID, field: str, value: object, text: str) -> None:
        self.model.update_photo(photo_id, **{field: value})
        self._update_counts()
        self.message.emit(text)

    def sizeHint(self) -> QSize:
        return QSize(900, 600)


def _describe(step: list[MarkChange], *, forward: bool) -> str:
    c = step[0]
    value = c.after if forward else c.before
    what = f"{c.field} {value if value not in (None, '') else 'cleared'}"
    return f"{what} on {len(step)} photo{'s' if len(step) != 1 else ''}"
