"""Where bundled resources live, in a source checkout and inside a PyInstaller build."""

from __future__ import annotations

import sys
from pathlib import Path


def path(*parts: str) -> Path:
    """The path of a resource file, e.g. ``path("qss", "dark.qss")``.

    PyInstaller unpacks data files under ``sys._MEIPASS``; the spec puts them in ``resources/``.
    """
    base = getattr(sys, "_MEIPASS", None)
    root = Path(base) / "resources" if base else Path(__file__).resolve().parent
    return root.joinpath(*parts)
