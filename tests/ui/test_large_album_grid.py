"""A large album in the grid: its first screen shows before the whole album is read; opened
again, the whole album shows at once from its contact sheet, with what changed meanwhile; a mark
or a client's pick heard while the whole album is on its way is not undone when it arrives."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import insert

from app.bootstrap import context_of
from core.catalog import Photo
from core.services import contact_sheets
from tests.ui.conftest import Desk, until
from ui.album_grid import FIRST_SCREEN, AlbumGrid
from ui.photo_delegate import CELL
from ui.photo_grid_model import PhotoFilter, PhotoGridModel
from ui.studio import Studio

PHOTOS = FIRST_SCREEN + 600
START = datetime(2024, 5, 1, 9, tzinfo=UTC)


async def large_album(desk: Desk) -> uuid.UUID:
    s, admin = desk.services, desk.admin
    album = await s.albums.create(admin, "Marathon")
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": admin.tenant_id,
            "album_id": album.id,
            "stem": f"run_{i:04d}",
            "filename": f"RUN_{i:04d}.JPG",
            "taken_at": START + timedelta(seconds=i),
            "exif": {},
        }
        for i in range(PHOTOS)
    ]
    async with context_of(s).db.session() as session, session.begin():
        await session.execute(insert(Photo), rows)
    return album.id


def grid_on_screen(desk: Desk, qtbot) -> tuple[Studio, AlbumGrid, list[int]]:  # type: ignore[no-untyped-def]
    """A shown grid, and the rows its model held after each reset."""
    studio = Studio(desk.services, desk.admin)
    grid = AlbumGrid(studio)
    qtbot.addWidget(grid)
    grid.resize(1400, 900)
    grid.show()
    shown: list[int] = []
    grid.model.modelReset.connect(lambda: shown.append(grid.model.rowCount()))
    return studio, grid, shown


def test_the_first_screen_shows_before_the_whole_album(desk: Desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    album_id = desk.run(large_album(desk))
    studio, grid, shown = grid_on_screen(desk, qtbot)

    async def scenario() -> None:
        grid.open_album(album_id)
        await until(lambda: grid.model.rowCount() == PHOTOS, what="the whole album")
        await studio.jobs.idle()
        assert [n for n in shown if n] == [FIRST_SCREEN, PHOTOS]
        assert [grid.model.photo(i).filename for i in (0, FIRST_SCREEN, PHOTOS - 1)] == [
            "RUN_0000.JPG",
            f"RUN_{FIRST_SCREEN:04d}.JPG",
            f"RUN_{PHOTOS - 1:04d}.JPG",
        ]
        assert grid.current_photo().filename == "RUN_0000.JPG"
        assert grid.counts.full_text().startswith(f"{PHOTOS} photos")
        # The grid's rows of cells: down goes to the photo below, End to the album's last.
        columns = grid.view.viewport().width() // CELL.width()
        assert columns > 1 and grid.view.isSelectionRectVisible()
        QTest.keyClick(grid.view, Qt.Key.Key_Down)
        assert grid.current_photo().filename == f"RUN_{columns:04d}.JPG"
        QTest.keyClick(grid.view, Qt.Key.Key_End)
        assert grid.current_photo().filename == f"RUN_{PHOTOS - 1:04d}.JPG"
        grid.open_album(None)
        await studio.jobs.idle()

    desk.run(scenario())


def test_an_album_opened_again_shows_whole_at_once(desk: Desk, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(contact_sheets, "KEEP_FROM", 1)
    album_id = desk.run(large_album(desk))
    studio, grid, shown = grid_on_screen(desk, qtbot)
    photos, admin = desk.services.photos, desk.admin

    async def opened() -> None:
        shown.clear()
        grid.open_album(album_id)
        await until(lambda: grid.model.rowCount() == PHOTOS, what="the whole album")
        await studio.jobs.idle()

    async def scenario() -> None:
        await opened()
        assert [n for n in shown if n] == [FIRST_SCREEN, PHOTOS]  # first time: listed
        grid.open_album(None)
        await studio.jobs.idle()
        # While the album is closed, someone culls a photo far down it.
        far = FIRST_SCREEN + 100
        await photos.rate(admin, album_id, f"RUN_{far:04d}.JPG", 5)
        await photos.flag(admin, album_id, f"RUN_{far:04d}.JPG", "pick")
        await opened()
        # One reset, whole, and the listing behind it found nothing to change.
        assert [n for n in shown if n] == [PHOTOS]
        row = grid.model.photo(far)
        assert (row.filename, row.stars, row.flag) == (f"RUN_{far:04d}.JPG", 5, "pick")
        assert grid.counts.full_text().startswith(f"{PHOTOS} photos")
        assert grid.model.counts()["picked"] == 1
        grid.open_album(None)
        await studio.jobs.idle()

    desk.run(scenario())


def test_changes_heard_while_the_album_loads_are_kept(desk: Desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    album_id = desk.run(large_album(desk))
    photos, admin = desk.services.photos, desk.admin
    model = PhotoGridModel()

    async def scenario() -> None:
        since = model.edits_mark()
        model.set_rows(await photos.listing(admin, album_id, limit=FIRST_SCREEN), edits_since=since)
        since = model.edits_mark()  # the whole album is asked for now, and read at once ...
        whole = await photos.listing(admin, album_id)
        beyond, shown = whole.row(PHOTOS - 1), model.photo(3)
        # ... while, before it arrives, a mark on a photo the grid does not list yet and a
        # client's pick on one it shows are heard.
        assert model.update_photo(beyond.id, stars=4, flag="pick") is None
        assert model.put_row(type(shown)(**{**_fields(shown), "client_picks": 2}))
        model.set_rows(whole, edits_since=since)
        assert model.rowCount() == PHOTOS
        assert (model.photo(PHOTOS - 1).stars, model.photo(PHOTOS - 1).flag) == (4, "pick")
        assert model.photo(3).client_picks == 2
        assert model.cell(3)[1] == 2  # the badge the cell paints
        assert model.counts()["picked"] == 1
        # The stage bar's "show the selection" and a refusal's "show these photos".
        model.update_photo(shown.id, selected=True)
        assert model.selected_ids() == {shown.id} and model.counts()["selected"] == 1
        model.set_filter(PhotoFilter(only=frozenset({beyond.id})))
        assert model.rowCount() == 1 and model.photo(0).id == beyond.id
        assert model.row_of(beyond.id) == 0 and model.row_of(shown.id) is None
        model.set_filter(PhotoFilter())
        # A listing asked for after those changes is shown as the catalog has it.
        model.set_rows(await photos.listing(admin, album_id), edits_since=model.edits_mark())
        assert model.photo(3).client_picks == 0  # this test's pick was never in the catalog
        # A mark heard and then listed: the listing says what the grid holds (no reset).
        await photos.rate(admin, album_id, shown.filename, 2)
        model.update_photo(shown.id, stars=2)
        assert model.shows(await photos.listing(admin, album_id))
        model.update_photo(shown.id, stars=1)  # one the catalog has not heard of
        assert not model.shows(await photos.listing(admin, album_id))

    desk.run(scenario())


def _fields(row):  # type: ignore[no-untyped-def]
    return {name: getattr(row, name) for name in row.__slots__}
