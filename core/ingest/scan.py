"""Expand what the photographer pointed at (files, folders, a card) into the files to import."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from core.imaging.formats import is_photo_candidate


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named explicitly, and the photos under folders (recursively, hidden ones skipped),
    in a stable order and each once."""
    seen: set[Path] = set()
    for root in paths:
        root = Path(root)
        if root.is_dir():
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    path = Path(folder) / name
                    if is_photo_candidate(path) and path not in seen:
                        seen.add(path)
                        yield path
        elif root not in seen:
            seen.add(root)
            yield root
