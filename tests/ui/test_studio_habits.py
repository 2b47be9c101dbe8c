"""What a Lightroom or Photo Mechanic user reaches for, driven by keys and clicks: thumbnail size,
full-screen loupe, compare, survey, auto-advance, right-click menus, renaming an album, the
original in the file manager, the file count before an import, the minimum selection."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtTest import QTest

from tests.images import make_shoot
from tests.ui.conftest import Desk, until
from tests.ui.test_client_live import album_in_rate
from tests.ui.test_guests_in_the_studio import click_cell
from tests.ui.test_import_failures import open_album_by_click
from ui.main_window import MainWindow
from ui.photo_delegate import CELL
from ui.studio import Studio

CTRL = Qt.KeyboardModifier.ControlModifier


def press(widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    QTest.keyClick(widget, key, modifier)


def click_menu(qtbot, menu, text: str) -> None:  # type: ignore[no-untyped-def]
    action = next(a for a in menu.actions() if a.text().split("\t")[0] == text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def right_click(qtbot, widget, pos: QPoint) -> None:  # type: ignore[no-untyped-def]
    # Offscreen Qt sends no context-menu event for a synthetic right click; send the request
    # the view would make for that spot.
    qtbot.mouseClick(widget, Qt.MouseButton.RightButton, pos=pos)
    widget.parent().customContextMenuRequested.emit(pos)


def open_window(desk: Desk, qtbot):  # type: ignore[no-untyped-def]
    studio = Studio(desk.services, desk.admin)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    return studio, window


def test_size_full_screen_compare_survey_and_auto_advance(  # type: ignore[no-untyped-def]
    desk: Desk, qtbot, tmp_path: Path
) -> None:
    album = desk.run(album_in_rate(desk, tmp_path))
    studio, window = open_window(desk, qtbot)
    grid, view = window.grid, window.grid.view

    async def scenario() -> None:
        await until(lambda: window.browser.item_for(album.name), what="the album list")
        open_album_by_click(qtbot, window, album.name)
        await until(lambda: grid.model.rowCount() == 4, what="the grid")
        click_cell(qtbot, grid, 0)

        # Thumbnail size: Ctrl + and Ctrl -, and the slider with its arrow keys.
        slider = window.modes.zoom.slider
        press(view, Qt.Key.Key_Equal, CTRL)
        assert slider.value() == 110 and view.gridSize().width() == round(CELL.width() * 1.1)
        press(view, Qt.Key.Key_Minus, CTRL)
        press(view, Qt.Key.Key_Minus, CTRL)
        assert slider.value() == 90 and view.gridSize().width() < CELL.width()
        qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=slider.rect().center())
        slider.setValue(100)
        press(slider, Qt.Key.Key_Right)
        assert slider.value() == 110 and view.gridSize().width() == round(CELL.width() * 1.1)

        # F: the loupe fills the screen, nothing else shows; F again comes back.
        view.setFocus()
        press(view, Qt.Key.Key_F)
        assert window.isFullScreen() and window.pages.currentWidget() is window.loupe
        assert not window.browser.isVisible() and not window.inspector.isVisible()
        press(window.loupe, Qt.Key.Key_F)
        assert not window.isFullScreen() and window.browser.isVisible()
        assert (window.width(), window.height()) == (1400, 900)
        assert window.pages.currentWidget() is window.loupe
        press(window.loupe, Qt.Key.Key_Space)
        assert window.pages.currentWidget() is grid

        # C: the current photo and the next side by side; keys mark the active one.
        click_cell(qtbot, grid, 0)
        first, second = grid.model.photo(0), grid.model.photo(1)
        press(view, Qt.Key.Key_C)
        compare = window.modes.compare
        assert window.pages.currentWidget() is compare
        assert [p.id for p in compare.photos] == [first.id, second.id]
        press(compare, Qt.Key.Key_3)
        press(compare, Qt.Key.Key_Right)
        press(compare, Qt.Key.Key_P)
        await studio.jobs.idle()
        rows = {r.id: r for r in await desk.services.photos.list(desk.admin, album.id)}
        assert (rows[first.id].stars, rows[first.id].flag) == (3, None)
        assert (rows[second.id].stars, rows[second.id].flag) == (0, "pick")
        assert "★★★" in compare.sides[0].caption.text()
        assert "Picked" in compare.sides[1].caption.text()
        press(compare, Qt.Key.Key_C)
        assert window.pages.currentWidget() is grid

        # N: survey the chosen photos (Ctrl+click two), and back.
        click_cell(qtbot, grid, 1)
        third = grid.model.photo(3)
        rect = view.visualRect(grid.model.index(3))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, CTRL, rect.center())
        press(view, Qt.Key.Key_N)
        shown = {grid.model.photo(i).id for i in range(grid.model.rowCount())}
        assert shown == {second.id, third.id}
        press(view, Qt.Key.Key_N)
        assert grid.model.rowCount() == 4

        # Auto-advance (a View option): a mark moves on to the next photo.
        window.modes.auto_advance.trigger()
        click_cell(qtbot, grid, 0)
        press(view, Qt.Key.Key_2)
        assert grid.current_photo().id == grid.model.photo(1).id
        await studio.jobs.idle()
        assert grid.model.photo(0).stars == 2
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())


class Opened(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_right_click_menus_rename_and_show_in_file_manager(  # type: ignore[no-untyped-def]
    desk: Desk, qtbot, tmp_path: Path
) -> None:
    album = desk.run(album_in_rate(desk, tmp_path))
    studio, window = open_window(desk, qtbot)
    grid, view = window.grid, window.grid.view
    opened = Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")

    async def scenario() -> None:
        await until(lambda: window.browser.item_for(album.name), what="the album list")
        open_album_by_click(qtbot, window, album.name)
        await until(lambda: grid.model.rowCount() == 4, what="the grid")

        # Right-click a photo: pick it from the menu.
        spot = view.visualRect(grid.model.index(2)).center()
        right_click(qtbot, view.viewport(), spot)
        menu = window.photo_menu.menu
        assert menu is not None and menu.isVisible()
        photo = grid.current_photo()
        assert photo.id == grid.model.photo(2).id
        click_menu(qtbot, menu, "Pick")
        await studio.jobs.idle()
        assert grid.model.photo(2).flag == "pick"

        # ... and show its original (and the sidecar the pick wrote) in the file manager.
        right_click(qtbot, view.viewport(), spot)
        click_menu(qtbot, window.photo_menu.menu, "Show the original in the file manager")
        await until(lambda: opened.urls, what="the file manager")
        detail = await desk.services.photos.detail(desk.admin, album.id, photo.id)
        assert Path(opened.urls[0].toLocalFile()) == detail.original_path.parent
        assert detail.original_path.with_suffix(".xmp").exists()
        assert f"{detail.original_path.stem}.xmp" in window.last_message

        # Right-click the album: rename it.
        tree = window.browser.tree
        item = window.browser.item_for(album.name)
        right_click(qtbot, tree.viewport(), tree.visualItemRect(item).center())
        click_menu(qtbot, window.album_menu.menu, "Rename…")
        dialog = window.album_menu.rename_dialog
        line = dialog.findChild(type(window.browser.search))
        line.selectAll()
        QTest.keyClicks(line, "Harbour wedding, Sunday")
        press(line, Qt.Key.Key_Return)
        await until(lambda: window.browser.item_for("Harbour wedding, Sunday"), what="rename")
        assert window.stage_bar.title.text().startswith("Harbour wedding, Sunday")
        window.close()
        await studio.jobs.cancel_all()

    try:
        desk.run(scenario())
    finally:
        QDesktopServices.unsetUrlHandler("file")


def test_new_album_minimum_and_the_count_before_an_import(  # type: ignore[no-untyped-def]
    desk: Desk, qtbot, tmp_path: Path
) -> None:
    card = tmp_path / "card"
    files = make_shoot(card, 3)
    size = sum(f.stat().st_size for f in files)
    studio, window = open_window(desk, qtbot)

    async def scenario() -> None:
        window.new_album_action.trigger()
        dialog = window.dialogs["new_album"]
        QTest.keyClicks(dialog.name, "Studio portraits")
        dialog.min_select.setFocus()
        for _ in range(2):
            press(dialog.min_select, Qt.Key.Key_Up)
        assert dialog.min_select.value() == 2
        press(dialog.name, Qt.Key.Key_Return)
        await until(lambda: window.album is not None, what="the album")
        shown = await desk.services.albums.show(desk.admin, "Studio portraits")
        assert shown.min_select == 2

        window.import_action.trigger()
        ingest = window.dialogs["ingest"]
        QTest.keyClicks(ingest.folder, str(card))
        await until(lambda: "files" in ingest.found.text(), what="the count")
        assert ingest.found.text() == f"3 files, {size / 1e3:.1f} KB"
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())


def test_an_album_goes_to_the_trash_comes_back_and_the_trash_is_emptied(  # type: ignore[no-untyped-def]
    desk: Desk, qtbot, tmp_path: Path
) -> None:
    album = desk.run(album_in_rate(desk, tmp_path, n=2))
    studio, window = open_window(desk, qtbot)
    browser, tree = window.browser, window.browser.tree

    def right_click_item(item) -> None:  # type: ignore[no-untyped-def]
        right_click(qtbot, tree.viewport(), tree.visualItemRect(item).center())

    async def scenario() -> None:
        await until(lambda: browser.item_for(album.name), what="the album list")
        open_album_by_click(qtbot, window, album.name)
        await until(lambda: window.grid.model.rowCount() == 2, what="the grid")

        right_click_item(browser.item_for(album.name))
        click_menu(qtbot, window.album_menu.menu, "Move to the trash…")
        box = window.album_menu.confirm
        go = next(b for b in box.buttons() if b.text() == "Move to the trash")
        qtbot.mouseClick(go, Qt.MouseButton.LeftButton)
        await until(
            lambda: browser.trash_item(album.name) and not browser.item_for(album.name),
            what="the trash",
        )
        assert window.album is None and window.grid.model.rowCount() == 0
        assert browser.trash_item().text(0) == "Trash (1)"

        right_click_item(browser.trash_item(album.name))
        click_menu(qtbot, window.album_menu.menu, "Put back")
        await until(
            lambda: browser.item_for(album.name) is not None and browser.trash_item() is None,
            what="put back",
        )

        right_click_item(browser.item_for(album.name))
        click_menu(qtbot, window.album_menu.menu, "Move to the trash…")
        box = window.album_menu.confirm
        go = next(b for b in box.buttons() if b.text() == "Move to the trash")
        qtbot.mouseClick(go, Qt.MouseButton.LeftButton)
        await until(lambda: browser.trash_item() is not None, what="the trash again")
        right_click_item(browser.trash_item())
        click_menu(qtbot, window.album_menu.menu, "Empty the trash…")
        box = window.album_menu.confirm
        gone = next(b for b in box.buttons() if b.text() == "Delete for good")
        qtbot.mouseClick(gone, Qt.MouseButton.LeftButton)
        await until(lambda: browser.trash_item() is None, what="the trash to be emptied")
        assert browser.item_for(album.name) is None
        assert await desk.services.albums.in_trash(desk.admin) == []
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())
