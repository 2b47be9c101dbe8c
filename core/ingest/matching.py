"""Match a file brought in later to its photo by filename stem, the way studios name files.

IMG_0012.CR3 <-> IMG_0012.jpg <-> IMG_0012_retouched.jpg <-> IMG_0012-edit-v2.tif
"""

from __future__ import annotations

from pathlib import PurePath

SEPARATORS = "_- .("


def stem_of(filename: str) -> str:
    return PurePath(filename).stem.strip().lower()


def match_stem(stem: str, known: set[str] | dict[str, object]) -> str | None:
    """The photo stem this file belongs to: the same stem, else the longest known stem that the
    file's stem starts with, followed by a separator."""
    stem = stem.lower()
    if stem in known:
        return stem
    for i in range(len(stem) - 1, 0, -1):
        if stem[i] in SEPARATORS and stem[:i] in known:
            return stem[:i]
    return None


def unique_stem(stem: str, known: set[str] | dict[str, object]) -> str:
    """A stem for a second, different photo with a name already taken (two bodies, one name)."""
    n = 2
    while f"{stem} ({n})" in known:
        n += 1
    return f"{stem} ({n})"
