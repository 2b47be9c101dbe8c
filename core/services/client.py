"""What a client does through a share link: open it, give the PIN, look, pick, rate, comment,
submit the selection, and approve or ask for changes on retouched photos.

`ClientService` is the one entry point; its parts live by responsibility in
`client_access` (getting in, and the checks every call repeats), `client_gallery` (what the client
sees) and `client_feedback` (what the client says, audited as that guest on that link).
"""

from __future__ import annotations

from core.services.client_access import (
    ALL_PHOTOS,
    GONE,
    LinkAccess,
    LinkEntry,
    TooManyAttempts,
    WrongPin,
)
from core.services.client_downloads import FinalFile, FinalsDownload, GalleryDownloads
from core.services.client_feedback import COMMENT_MAX, NAME_MAX, ClientFeedback, clean_name
from core.services.client_gallery import (
    CommentView,
    Gallery,
    GalleryPhoto,
    GalleryViews,
    PreviewSource,
)
from core.services.client_state import PIN_LIMIT, PIN_LOCKOUT_S, PinLimiter, session_key
from core.services.context import ServiceContext


class ClientService(LinkEntry, GalleryViews, ClientFeedback, GalleryDownloads):
    def __init__(self, ctx: ServiceContext, limiter: PinLimiter | None = None) -> None:
        self.ctx = ctx
        self.limiter = limiter or PinLimiter(ctx)

    async def session_key(self) -> bytes:
        """The key that signs visitors' session cookies: one for every portal process."""
        return await session_key(self.ctx)


__all__ = [
    "ALL_PHOTOS",
    "COMMENT_MAX",
    "GONE",
    "NAME_MAX",
    "PIN_LIMIT",
    "PIN_LOCKOUT_S",
    "ClientService",
    "CommentView",
    "FinalFile",
    "FinalsDownload",
    "Gallery",
    "GalleryPhoto",
    "LinkAccess",
    "PinLimiter",
    "PreviewSource",
    "TooManyAttempts",
    "WrongPin",
    "clean_name",
]
