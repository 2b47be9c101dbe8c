"""The ways of looking at an album a Lightroom or Photo Mechanic user reaches for: thumbnail size
(slider, Ctrl +/-), full-screen loupe (F), compare two (C), survey the chosen photos (N), and
auto-advance after a mark (a View option, like Lightroom's Caps Lock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QWidget

from core.services.photos import PhotoRow
from ui.compare_view import CompareView
from ui.culling import mark_for_key
from ui.grid_zoom import LARGEST, GridZoom
from ui.pane_memory import settings
from ui.photo_delegate import CELL

if TYPE_CHECKING:
    from ui.main_window import MainWindow

AUTO_ADVANCE = "grid/auto_advance"


class ViewModes(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.grid = window.grid
        self.zoom = GridZoom(self.grid.view, window)
        window.statusBar().addPermanentWidget(QLabel("Size", window))
        window.statusBar().addPermanentWidget(self.zoom.slider)
        self.compare = CompareView(window.loupe.root, self.grid, window)
        window.pages.addWidget(self.compare)
        self.full_screen = False
        self._chrome: list[tuple[QWidget, bool]] = []
        self._was_full_screen = False
        self._geometry = window.geometry()
        self._survey_from: int | None = None  # the thumbnail size before a survey
        self._menu(self._view_menu())
        self.grid.view.handler = self.handle_key
        window.loupe.key_handler = self.handle_key
        window.loupe.closed.connect(self._loupe_closed)
        self.compare.closed.connect(self.back_to_grid)
        self.compare.marked.connect(self._mark_in_compare)
        self.grid.current_changed.connect(self._current_changed)
        self.grid.show_all.clicked.connect(self._survey_ended)

    def _view_menu(self) -> QMenu:
        for action in self.window.menuBar().actions():
            if action.text().replace("&", "") == "View" and action.menu() is not None:
                return action.menu()  # type: ignore[return-value]
        return self.window.menuBar().addMenu("&View")

    def _menu(self, menu: QMenu) -> None:
        def add(text: str, slot: Any, shortcut: Any = None) -> QAction:
            action = QAction(text, self.window)
            if shortcut is not None:
                action.setShortcuts(shortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            return action

        menu.addSeparator()
        zoom_in = [QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")]
        self.bigger_action = add("Bigger thumbnails", self.zoom.bigger, zoom_in)
        self.smaller_action = add("Smaller thumbnails", self.zoom.smaller, [QKeySequence("Ctrl+-")])
        menu.addSeparator()
        # Single letters are the grid's keys (handle_key), so the menu only names them.
        add("Full-screen loupe\tF", self.toggle_full_screen_loupe)
        add("Compare two photos\tC", self.compare_two)
        add("Survey the chosen photos\tN", self.survey)
        menu.addSeparator()
        self.auto_advance = add("Auto-advance after a mark", lambda on: self._remember(on))
        self.auto_advance.setCheckable(True)
        self.auto_advance.setChecked(settings().value(AUTO_ADVANCE) in (True, "true"))

    @staticmethod
    def _remember(on: bool) -> None:
        settings().setValue(AUTO_ADVANCE, bool(on))

    # Keys ------------------------------------------------------------------------------------
    def handle_key(self, event: QKeyEvent) -> bool:
        """The view keys first, then the grid's culling keys (and auto-advance after a mark)."""
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods == Qt.KeyboardModifier.ControlModifier:
            if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
                self.zoom.bigger()
                return True
            if key == Qt.Key.Key_Minus:
                self.zoom.smaller()
                return True
        if mods == Qt.KeyboardModifier.NoModifier:
            views = {
                Qt.Key.Key_F: self.toggle_full_screen_loupe,
                Qt.Key.Key_C: self.compare_two,
                Qt.Key.Key_N: self.survey,
            }
            if key in views:
                views[key]()
                return True
            if key == Qt.Key.Key_Escape and self.full_screen:
                self.leave_full_screen()
                return True
        handled = bool(self.grid.handle_key(event))
        plain = mods == Qt.KeyboardModifier.NoModifier
        if handled and plain and mark_for_key(key) is not None and self.auto_advance.isChecked():
            self.window._step(1)
        return handled

    # Full-screen loupe -----------------------------------------------------------------------
    def toggle_full_screen_loupe(self) -> None:
        if self.full_screen:
            self.leave_full_screen()
            return
        w = self.window
        if self.grid.current_photo() is None:
            w.say("No photo to show: open an album first.")
            return
        chrome = (w.browser, w.inspector, w.stage_bar, w.menuBar(), w.statusBar())
        self._chrome = [(widget, widget.isVisible()) for widget in chrome]
        for widget in chrome:
            widget.hide()
        self._was_full_screen = w.isFullScreen()
        self._geometry = w.geometry()
        if w.pages.currentWidget() is not w.loupe:
            w.toggle_loupe()
        w.showFullScreen()
        self.full_screen = True
        w.loupe.setFocus()

    def leave_full_screen(self) -> None:
        if not self.full_screen:
            return
        self.full_screen = False
        for widget, visible in self._chrome:
            widget.setVisible(visible)
        if not self._was_full_screen:
            self.window.showNormal()
            self.window.setGeometry(self._geometry)  # the size it had, not the platform's
        if self.window.pages.currentWidget() is self.window.loupe:
            self.window.loupe.setFocus()

    def _loupe_closed(self) -> None:
        self.leave_full_screen()  # Space or Escape in the loupe: back to the grid, window too

    # Compare ---------------------------------------------------------------------------------
    def pair(self) -> tuple[PhotoRow, PhotoRow] | None:
        """The first two chosen photos, else the current photo and the next one."""
        chosen = self.grid.chosen_photos()
        if len(chosen) >= 2:
            return chosen[0], chosen[1]
        index = self.grid.view.currentIndex()
        if index.isValid() and index.row() + 1 < self.grid.model.rowCount():
            return self.grid.model.photo(index.row()), self.grid.model.photo(index.row() + 1)
        return None

    def compare_two(self) -> None:
        w = self.window
        if w.pages.currentWidget() is self.compare:
            self.back_to_grid()
            return
        pair = self.pair()
        if pair is None:
            w.say("Choose two photos to compare (Ctrl+click), or a photo with one after it.")
            return
        self.compare.show_pair(*pair)
        w.pages.setCurrentWidget(self.compare)
        self.compare.setFocus()

    def back_to_grid(self) -> None:
        self.window.pages.setCurrentWidget(self.grid)
        self.grid.view.setFocus()

    def _mark_in_compare(self, photo: PhotoRow, event: QKeyEvent) -> None:
        row = self.grid.model.row_of(photo.id)
        if row is None:
            return
        self.grid.view.setCurrentIndex(self.grid.model.index(row))  # marks go to this one only
        self.grid.handle_key(event)
        self.compare.setFocus()

    def _current_changed(self, row: PhotoRow | None) -> None:
        if row is not None and self.window.pages.currentWidget() is self.compare:
            self.compare.update_photo(row)

    # Survey ----------------------------------------------------------------------------------
    def survey(self) -> None:
        """The chosen photos alone, as large as the grid can show them all; N again ends it."""
        if self._survey_from is not None:
            self.grid.show_only(None)
            self._survey_ended()
            return
        chosen = self.grid.chosen_photos()
        if len(chosen) < 2:
            self.window.say("Choose two or more photos (Ctrl+click, Shift+click) to survey them.")
            return
        self._survey_from = self.zoom.percent
        self.grid.show_only({p.id for p in chosen})
        self.zoom.set_percent(self._fitting(len(chosen)))
        self.window.say(f"Survey of {len(chosen)} photos: N or 'Show all photos' to go back.")

    def _fitting(self, n: int) -> int:
        """The largest thumbnail size (not below the current one) at which n cells fit."""
        area = self.grid.view.viewport().size()
        for percent in range(LARGEST, self.zoom.percent, -10):
            w, h = CELL.width() * percent // 100, CELL.height() * percent // 100
            if (area.width() // w) * (area.height() // h) >= n:
                return percent
        return self.zoom.percent

    def _survey_ended(self) -> None:
        if self._survey_from is not None:
            before, self._survey_from = self._survey_from, None
            self.zoom.set_percent(before)
