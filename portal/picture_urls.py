"""The address of a picture: its size, its content hash and its mark (plain, or which watermark
text), so that the bytes behind an address never change and a browser may keep them for good."""

from __future__ import annotations

import hashlib

from core.imaging.previews import GRID, LOUPE
from core.services.client import LinkAccess

SIZES = {"grid": GRID, "loupe": LOUPE}
PLAIN = "plain"
PICTURE = (
    r"/api/pictures/{size:grid|loupe}/{content_hash:[0-9a-f]{16,128}}-{mark:[0-9a-z]{5,12}}.jpg"
)


def watermark_of(access: LinkAccess) -> str | None:
    """The text drawn across the link's pictures, if it has one."""
    return access.watermark_text if access.watermark else None


def mark_for(watermark: str | None) -> str:
    """`plain`, or a short hash of the watermark text: a new text gives new addresses."""
    if not watermark:
        return PLAIN
    return hashlib.sha256(watermark.encode()).hexdigest()[:12]


def picture_url(size: str, content_hash: str, mark: str) -> str:
    return f"/api/pictures/{size}/{content_hash}-{mark}.jpg"
