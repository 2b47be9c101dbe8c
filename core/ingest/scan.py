"""Expand what the photographer pointed at (files, folders, a card) into the files to import."""

from __future__ import annotations

import contextlib
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


def measure(paths: Iterable[Path]) -> tuple[int, int]:
    """How many files an import of `paths` would look at, and their total size in bytes: what the
    photographer is told before the import starts."""
    count = size = 0
    for path in expand(paths):
        with contextlib.suppress(OSError):  # the import reports it, with its reason
            size += path.stat().st_size
        count += 1
    return count, size


def size_words(n: int) -> str:
    """Bytes as a file manager says them: 940 KB, 1.2 GB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{n} bytes"
