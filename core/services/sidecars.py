"""Keep XMP sidecars beside the library's originals in step with the catalog's culling marks."""

from __future__ import annotations

import logging
from pathlib import Path

from core.imaging.errors import BrokenSidecar
from core.imaging.xmp import write_sidecar
from core.services.photos import Marks

log = logging.getLogger(__name__)


class SidecarWriter:
    """Writes `IMG_1.xmp` beside the original; the catalog stays the truth if a sidecar is damaged."""

    def __init__(self, library: Path) -> None:
        self.library = library

    def __call__(self, original: str, marks: Marks) -> None:
        try:
            write_sidecar(self.library / original, marks.stars, marks.flag == "reject", marks.label)
        except (BrokenSidecar, OSError) as exc:
            log.warning("could not update the sidecar of %s: %s", original, exc)
