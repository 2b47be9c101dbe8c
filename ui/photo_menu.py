"""Right-click on photos: the culling marks, the views, and the original in the file manager."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMenu

from core.imaging.xmp import sidecar_path
from core.policies import Permission
from core.services.photos import PhotoDetail
from ui.culling import LABEL_KEYS

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class PhotoMenu:
    """Builds the menu for the photo under the pointer (and the other chosen photos)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.grid = window.grid
        self.menu: QMenu | None = None  # the last one shown
        view = self.grid.view
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self.show_at)

    def show_at(self, pos: QPoint) -> None:
        view = self.grid.view
        index = view.indexAt(pos)
        if not index.isValid():
            return
        if not view.selectionModel().isSelected(index):
            view.setCurrentIndex(index)  # a right-click on another photo makes it the current one
        self.menu = self.build()
        self.menu.popup(view.viewport().mapToGlobal(pos))

    def build(self) -> QMenu:
        w, grid = self.window, self.grid
        photos = grid.chosen_photos()
        menu = QMenu(grid)
        n = len(photos)
        title = photos[0].filename if n == 1 else f"{n} photos"
        menu.addSection(title)
        cull = w.studio.may(Permission.MANAGE_ALBUMS)
        stars = menu.addMenu("Stars")
        for count in range(6):
            a = stars.addAction("no stars" if count == 0 else "★" * count)
            a.triggered.connect(lambda _c=False, c=count: grid.mark("stars", c))
        for text, flag in (("Pick\tP", "pick"), ("Reject\tX", "reject"), ("Unflag\tU", None)):
            a = menu.addAction(text)
            a.triggered.connect(lambda _c=False, f=flag: grid.mark("flag", f))
        labels = menu.addMenu("Colour label")
        for key, colour in LABEL_KEYS.items():
            digit = chr(int(key))
            a = labels.addAction(f"{colour}\t{digit}")
            a.triggered.connect(lambda _c=False, c=colour: grid.mark("label", c))
        in_selection = bool(photos) and all(p.selected for p in photos)
        select = menu.addAction(
            "Take out of the selection\tS" if in_selection else "Put in the selection\tS"
        )
        select.triggered.connect(lambda: grid.mark("selected", not in_selection))
        for action in (*stars.actions(), *labels.actions(), *menu.actions()[-4:]):
            action.setEnabled(cull)
        menu.addSeparator()
        menu.addAction("Loupe\tSpace").triggered.connect(w.toggle_loupe)
        menu.addAction("Full-screen loupe\tF").triggered.connect(w.modes.toggle_full_screen_loupe)
        menu.addAction("Compare two\tC").triggered.connect(w.modes.compare_two)
        if n >= 2:
            menu.addAction("Survey these photos\tN").triggered.connect(w.modes.survey)
        menu.addSeparator()
        show = menu.addAction("Show the original in the file manager")
        show.setEnabled(n == 1)
        show.triggered.connect(lambda: self.show_original(photos[0].id))
        return menu

    def show_original(self, photo_id: object) -> None:
        w = self.window
        if self.grid.album_id is None:
            return
        w.studio.jobs.run(
            w.studio.services.photos.detail(w.studio.actor, self.grid.album_id, photo_id),
            self._reveal,
            lambda text, _: w.say(text),
        )

    def _reveal(self, detail: PhotoDetail) -> None:
        original = detail.original_path
        if original is None or not original.exists():
            self.window.say(f"{detail.row.filename} has no original file in the library.")
            return
        sidecar = sidecar_path(original)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(original.parent)))
        also = f" and {sidecar.name}" if sidecar.exists() else ""
        self.window.say(f"{original.name}{also} are in {original.parent}")
