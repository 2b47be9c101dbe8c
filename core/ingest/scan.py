"""Expand what the photographer pointed at (files, folders, a card) into the files to import."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

SKIP_SUFFIXES = {".xmp", ".thm", ".db", ".ini", ".ds_store", ".lrv", ".json", ".txt"}


def is_candidate(path: Path) -> bool:
    name = path.name
    return not name.startswith(".") and path.suffix.lower() not in SKIP_SUFFIXES


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file under the given paths, recursively, in a stable (sorted) order; no duplicates."""
    seen: set[Path] = set()
    for root in paths:
        root = Path(root)
        if root.is_dir():
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    path = Path(folder) / name
                    if is_candidate(path) and path not in seen:
                        seen.add(path)
                        yield path
        elif root not in seen:
            seen.add(root)
            yield root


RAW_SUFFIXES = {
    ".3fr",
    ".ari",
    ".arw",
    ".bay",
    ".cap",
    ".cr2",
    ".cr3",
    ".crw",
    ".dcr",
    ".dcs",
    ".dng",
    ".drf",
    ".eip",
    ".erf",
    ".fff",
    ".iiq",
    ".k25",
    ".kdc",
    ".mdc",
    ".mef",
    ".mos",
    ".mrw",
    ".nef",
    ".nrw",
    ".orf",
    ".pef",
    ".ptx",
    ".pxn",
    ".r3d",
    ".raf",
    ".raw",
    ".rw2",
    ".rwl",
    ".rwz",
    ".sr2",
    ".srf",
    ".srw",
    ".x3f",
}


def is_raw(path: Path | str) -> bool:
    return Path(path).suffix.lower() in RAW_SUFFIXES
