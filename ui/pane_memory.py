"""Side panes keep the width the photographer gave them, across photos and across restarts.

Kept in Qt's per-user settings (not the catalog): it is how this screen is arranged, not studio
data.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QSizePolicy, QSplitter

SETTINGS = ("PhotoFlow", "desktop")


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, *SETTINGS)


def keep_panes(split: QSplitter, key: str, default: list[int]) -> None:
    """Only the middle pane stretches; the side panes' widths are restored and remembered."""
    split.setChildrenCollapsible(False)
    for i in range(split.count()):
        split.setStretchFactor(i, 1 if i == 1 else 0)
        widget = split.widget(i)
        if i != 1:  # content (a long filename, a wide label) never widens a side pane
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, widget.sizePolicy().verticalPolicy())
    saved = settings().value(key)
    sizes = [int(n) for n in saved] if isinstance(saved, list) else default
    split.setSizes(sizes if len(sizes) == split.count() else default)
    split.splitterMoved.connect(lambda _pos, _i: remember(split, key))


def remember(split: QSplitter, key: str) -> None:
    s = settings()
    s.setValue(key, [str(n) for n in split.sizes()])
    s.sync()
