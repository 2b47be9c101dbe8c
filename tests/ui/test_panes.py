"""Side panes keep their width whatever the photo, and the width survives a restart."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import Desk, until
from tests.ui.test_client_live import album_in_rate
from ui.main_window import MainWindow
from ui.studio import Studio


def test_pane_widths_are_stable_and_remembered(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    album = desk.run(album_in_rate(desk, tmp_path, n=2))
    studio = Studio(desk.services, desk.admin)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()

    sizes: list[int] = []

    async def scenario() -> None:
        window.open_album(album)
        await until(lambda: window.grid.model.rowCount() == 2, what="the grid")
        await studio.jobs.idle()
        window.split.setSizes([300, 760, 340])
        sizes.extend(window.split.sizes())
        assert sizes[0] == 300 and sizes[2] == 340
        # A photo with a very long name: elided in the inspector, the panes do not move.
        long_name = "RAW_KODAK_DC50_from_the_second_card_of_the_harbour_wedding_shoot.KDC"
        row = window.grid.current_photo()
        window.inspector.show_photo(type(row)(**{**_fields(row), "filename": long_name}))
        await studio.jobs.idle()
        window.grab()  # lay everything out
        assert window.split.sizes() == sizes and window.width() == 1400
        assert window.inspector.values["file"].text() != long_name
        assert "…" in window.inspector.values["file"].text()
        assert window.inspector.values["file"].toolTip() == long_name
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())

    async def restart() -> None:
        studio = Studio(desk.services, desk.admin)
        again = MainWindow(studio)
        qtbot.addWidget(again)
        again.resize(1400, 900)
        again.show()
        assert again.split.sizes() == sizes
        await studio.jobs.idle()
        again.close()
        await studio.jobs.cancel_all()

    desk.run(restart())


def _fields(row) -> dict:  # type: ignore[no-untyped-def]
    return {name: getattr(row, name) for name in row.__slots__}
