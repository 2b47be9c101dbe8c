"""What clients do reaches the desktop: a guest's pick and comment through the client service (the
portal's own code path) update that photo's grid cell and the inspector without re-reading the
album; the photographer publishes a link, copies it, revokes it, and copies the picks for Lightroom."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from core.errors import NotFound
from core.policies import Role
from tests.images import make_shoot
from tests.ui.conftest import Desk, until
from ui.main_window import MainWindow
from ui.photo_grid_model import Roles
from ui.studio import Studio


async def album_in_rate(desk: Desk, tmp_path: Path, name: str = "Harbour wedding", n: int = 4):  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin
    album = await s.albums.create(me, name, client="Mia")
    report = await s.imports.run(me, album.id, make_shoot(tmp_path / "shoot", n))
    assert not report.failed
    await s.albums.advance(me, album.id)  # Stock
    return await s.albums.advance(me, album.id)  # Rate


def open_window(desk: Desk, qtbot, actor=None) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(Studio(desk.services, actor or desk.admin))
    qtbot.addWidget(window)
    window.show()
    return window


def test_client_pick_and_comment_update_the_cell_and_inspector_live(
    desk: Desk, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    s = desk.services
    album = desk.run(album_in_rate(desk, tmp_path))
    window = open_window(desk, qtbot)
    grid = window.grid

    async def scenario() -> None:
        window.open_album(album)
        await until(lambda: grid.model.rowCount() == 4, what="the grid to fill")
        grid.view.setCurrentIndex(grid.model.index(2))
        photo = grid.model.photo(2)
        await until(lambda: window.inspector.title.text() == photo.filename)
        await window.studio.jobs.idle()

        listings = []
        real_list = s.photos.list

        async def counting_list(*args, **kw):  # type: ignore[no-untyped-def]
            listings.append(args)
            return await real_list(*args, **kw)

        s.photos.list = counting_list  # type: ignore[method-assign]
        try:
            # The guest, exactly as the portal drives it: open the token, pick, comment.
            made = await s.links.create(desk.admin, album.id, max_select=3)
            access = await s.client.open(made.token)
            carla = access.guest("Carla")
            await s.client.pick(carla, photo.id)
            await s.client.comment(carla, photo.id, "Warmer skin, please")

            index = grid.model.index(grid.model.row_of(photo.id))
            await until(
                lambda: index.data(Roles.CLIENT_PICKS) == 1 and index.data(Roles.COMMENTS) == 1,
                what="the cell's pick and comment badges",
            )
            await until(
                lambda: "Carla" in window.inspector.guests.text(),
                what="the guest's pick and comment in the inspector",
            )
            assert window.inspector.guests.text() == "Carla: ♥ picked · “Warmer skin, please”"
            assert window.inspector.text("picks") == "1 · Carla"
            assert window.inspector.text("comments") == "1"
            # The other photos are untouched, and the album was not listed again.
            others = [grid.model.photo(r) for r in range(4) if r != index.row()]
            assert all(o.client_picks == 0 and o.comments == 0 for o in others)
            await window.studio.jobs.idle()
            assert listings == []

            # A second guest on another link: the count on the cell adds up.
            other = await s.links.create(desk.admin, album.id)
            bo = (await s.client.open(other.token)).guest("Bo")
            await s.client.pick(bo, photo.id)
            await until(lambda: index.data(Roles.CLIENT_PICKS) == 2, what="the second pick")
            await until(lambda: window.inspector.text("picks") == "2 · Carla, Bo", what="Bo")
        finally:
            s.photos.list = real_list  # type: ignore[method-assign]

    desk.run(scenario())
    window.close()


def test_publish_copy_and_revoke_a_link(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = desk.services
    album = desk.run(album_in_rate(desk, tmp_path, n=2))
    desk.run(s.settings.update(desk.admin, link_expiry_days=14, link_watermark=False))
    window = open_window(desk, qtbot)

    async def scenario() -> None:
        window.open_album(album)
        assert window.publish_action.isVisible() and window.publish_action.isEnabled()
        dialog = window.open_publish()
        await until(lambda: dialog.expires_days.value() == 14, what="the studio's defaults")
        assert not dialog.watermark.isChecked() and not dialog.allow_download.isChecked()
        assert not dialog.copy_button.isEnabled()
        qtbot.keyClicks(dialog.pin, "2468")
        qtbot.keyClicks(dialog.guest_name, "Mia")
        dialog.max_select.setValue(2)
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        await until(lambda: dialog.url.text(), what="the new link's address")
        url = dialog.url.text()
        assert url.startswith("http://127.0.0.1:8470/g/")
        qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == url

        access = await s.client.open(url.rsplit("/", 1)[1])
        assert access.needs_pin and access.guest_name == "Mia" and access.max_select == 2
        assert not access.watermark

        await until(lambda: dialog.links.topLevelItemCount() == 1, what="the link list")
        item = dialog.links.topLevelItem(0)
        assert [item.text(c) for c in (3, 4, 5, 6)] == ["Mia", "yes", "2", "active"]
        dialog.links.setCurrentItem(item)
        assert dialog.revoke_button.isEnabled()
        qtbot.mouseClick(dialog.revoke_button, Qt.MouseButton.LeftButton)
        await until(
            lambda: (
                dialog.links.topLevelItemCount() == 1
                and dialog.links.topLevelItem(0).text(6) == "revoked"
            ),
            what="the revoked link",
        )
        with pytest.raises(NotFound):
            await s.client.open(url.rsplit("/", 1)[1])

        # A bad PIN is refused with a sentence, not a traceback.
        dialog.pin.setText("12")
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        await until(lambda: "4 to 64" in dialog.status.text(), what="the PIN refusal")
        assert dialog.create_button.isEnabled()
        await window.studio.jobs.idle()  # what the refusal started ends before the window closes

    desk.run(scenario())
    window.close()


def test_editor_cannot_publish(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    album = desk.run(album_in_rate(desk, tmp_path, n=1))

    async def editor():  # type: ignore[no-untyped-def]
        await desk.services.users.add(desk.admin, "eli@north.studio", Role.EDITOR, "Eli")
        return await desk.services.users.actor_for("eli@north.studio")

    window = open_window(desk, qtbot, desk.run(editor()))

    async def scenario() -> None:
        window.open_album(album)
        assert not window.publish_action.isVisible()
        assert window.open_publish() is None
        assert window.picks_action.isEnabled()  # reading the picks is for everyone
        await window.studio.jobs.idle()

    desk.run(scenario())
    window.close()


def test_client_picks_as_filenames_and_lightroom_filter(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = desk.services
    album = desk.run(album_in_rate(desk, tmp_path, n=4))
    window = open_window(desk, qtbot)

    async def scenario() -> None:
        window.open_album(album)
        dialog = window.open_picks()
        await until(lambda: "No client has picked" in dialog.summary.text())
        assert not dialog.copy_lightroom.isEnabled()
        made = await s.links.create(desk.admin, album.id)
        guest = (await s.client.open(made.token)).guest("Ann")
        rows = await s.photos.list(desk.admin, album.id)
        for row in (rows[3], rows[1]):
            await s.client.pick(guest, row.id)
        dialog.refresh()
        await until(lambda: "picked 2 photos" in dialog.summary.text(), what="the picks")
        names = sorted((rows[3].filename, rows[1].filename))
        assert dialog.filenames.toPlainText() == "\n".join(names)
        lightroom = " OR ".join(n.rsplit(".", 1)[0] for n in names)
        assert dialog.lightroom.toPlainText() == lightroom
        qtbot.mouseClick(dialog.copy_lightroom, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == lightroom
        qtbot.mouseClick(dialog.copy_filenames, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == "\n".join(names)

    desk.run(scenario())
    window.close()


def test_a_closed_window_lists_the_albums_no_more(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A change heard just before the window closes does not make the closed window read the
    catalog a moment later (it would read while the app shuts its catalog)."""
    s = desk.services
    window = open_window(desk, qtbot)
    listed: list[object] = []
    real_list = s.albums.list

    async def counting_list(*args, **kw):  # type: ignore[no-untyped-def]
        listed.append(args)
        return await real_list(*args, **kw)

    async def scenario() -> None:
        await window.studio.jobs.idle()
        s.albums.list = counting_list  # type: ignore[method-assign]
        try:
            await s.albums.create(desk.admin, "Late arrival")
            await asyncio.sleep(0.05)  # the album list hears of it and means to refresh
            window.close()
            await asyncio.sleep(0.6)  # past the list's refresh delay
            assert listed == []
        finally:
            s.albums.list = real_list  # type: ignore[method-assign]

    desk.run(scenario())
