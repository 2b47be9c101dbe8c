"""Where the portal's templates, static files and OpenAPI document live (source or PyInstaller)."""

from __future__ import annotations

import sys
from pathlib import Path

import resources


def asset(*parts: str) -> Path:
    base = getattr(sys, "_MEIPASS", None)
    root = Path(base) / "resources" if base else Path(resources.__file__).resolve().parent
    return root.joinpath("portal", *parts)
