"""Errors as sentences a photographer understands; never a traceback on screen."""

from __future__ import annotations

import logging

from core.errors import PhotoFlowError, Refused

log = logging.getLogger(__name__)


def message_for(exc: BaseException) -> str:
    if isinstance(exc, Refused):
        lines = [str(exc)] + [f"• {r.message}" for r in exc.refusals]
        return "\n".join(lines)
    if isinstance(exc, PhotoFlowError):
        return str(exc)
    if isinstance(exc, PermissionError):
        return f"PhotoFlow may not read or write {exc.filename or 'a file'} (permission denied)."
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename or 'A file'} does not exist any more."
    if isinstance(exc, OSError):
        return f"A disk operation failed: {exc.strerror or exc}."
    log.error("unexpected error in the desktop app", exc_info=exc)
    return f"Something went wrong ({type(exc).__name__}); nothing was half-done. See the log."
