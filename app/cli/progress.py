"""A terminal progress bar for imports: files, bytes, rate and time left."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from core.services.imports import ImportProgress


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _duration(s: float | None) -> str:
    if s is None:
        return "--:--"
    s = int(s)
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


class ProgressBar:
    def __init__(self, stream: TextIO = sys.stderr, width: int = 28) -> None:
        self.stream = stream
        self.width = width
        self._last = 0.0

    def __call__(self, p: ImportProgress) -> None:
        now = time.monotonic()
        if p.done < p.total and now - self._last < 0.1:
            return
        self._last = now
        frac = p.done / p.total if p.total else 1.0
        filled = int(frac * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        if p.phase == "copying":
            detail = (
                f"{_size(p.bytes_done)}/{_size(p.bytes_total)}  {p.rate_files_s:.1f} files/s "
                f"{_size(p.rate_bytes_s)}/s  left {_duration(p.eta_s)}"
            )
        else:
            detail = p.phase_title.lower()
        self.stream.write(f"\r{p.phase:8} [{bar}] {p.done}/{p.total}  {detail}\033[K")
        if p.done >= p.total:
            self.stream.write("\n")
        self.stream.flush()
