"""On the dark theme a spin box shows its arrows and a check box its box: light marks on grey."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QCheckBox, QSpinBox, QVBoxLayout, QWidget

from ui.theme import dark_style_sheet


def light_pixels(image: QImage, x0: int, y0: int, x1: int, y1: int) -> int:
    return sum(
        1
        for x in range(max(0, x0), min(image.width(), x1))
        for y in range(max(0, y0), min(image.height(), y1))
        if QColor(image.pixel(x, y)).lightness() > 150
    )


def test_spin_arrows_and_check_boxes_are_visible(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = QWidget()
    panel.setStyleSheet(dark_style_sheet())
    spin = QSpinBox(panel)
    spin.setRange(0, 10)
    spin.setValue(1)
    box = QCheckBox("", panel)
    layout = QVBoxLayout(panel)
    layout.addWidget(spin)
    layout.addWidget(box)
    qtbot.addWidget(panel)
    panel.resize(200, 80)
    panel.show()

    shot = spin.grab().toImage()
    w, h = shot.width(), shot.height()
    # The arrows live in the right-most 16 px, clear of the digits on the left.
    assert light_pixels(shot, w - 14, 2, w - 3, h // 2) > 3, "no visible up arrow"
    assert light_pixels(shot, w - 14, h // 2, w - 3, h - 2) > 3, "no visible down arrow"

    empty = box.grab().toImage()
    assert light_pixels(empty, 0, 0, 20, empty.height()) > 10, "no visible box to tick"
    box.setChecked(True)
    ticked = box.grab().toImage()
    assert light_pixels(ticked, 0, 0, 20, ticked.height()) > light_pixels(
        empty, 0, 0, 20, empty.height()
    ), "the tick is not visible"
