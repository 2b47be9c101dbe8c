"""The dark theme: Fusion with a neutral grey palette, plus the studio style sheet."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

import resources


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    p = QPalette()
    grey = {
        QPalette.ColorRole.Window: "#1e1e1e",
        QPalette.ColorRole.WindowText: "#dddddd",
        QPalette.ColorRole.Base: "#181818",
        QPalette.ColorRole.AlternateBase: "#242424",
        QPalette.ColorRole.ToolTipBase: "#2a2a2a",
        QPalette.ColorRole.ToolTipText: "#eeeeee",
        QPalette.ColorRole.Text: "#dddddd",
        QPalette.ColorRole.Button: "#2d2d2d",
        QPalette.ColorRole.ButtonText: "#dddddd",
        QPalette.ColorRole.BrightText: "#ff6060",
        QPalette.ColorRole.Highlight: "#3a6fa5",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: "#777777",
    }
    for role, colour in grey.items():
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#666666"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#666666"))
    app.setPalette(p)
    app.setStyleSheet(dark_style_sheet())


def dark_style_sheet() -> str:
    qss = resources.path("qss", "dark.qss")
    if not qss.exists():
        return ""
    # The sheet's arrow and check images sit beside it; Qt resolves url() from the working
    # folder, so the sheet names its own folder.
    return qss.read_text("utf-8").replace("@QSS@", qss.parent.as_posix())
