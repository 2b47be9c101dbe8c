"""Errors the imaging library raises, worded for the photographer who will read them."""

from __future__ import annotations


class NotAPhoto(Exception):
    """The file cannot become a photo in the catalog; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __reduce__(self) -> tuple[type[NotAPhoto], tuple[str]]:
        # Keeps the reason intact when the error crosses a process-pool boundary.
        return (type(self), (self.reason,))


class BrokenSidecar(Exception):
    """An XMP sidecar exists but is not valid XML, so we refuse to overwrite it."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"the XMP sidecar {path} is damaged ({detail}); it was left untouched")
        self.path = path
        self.detail = detail

    def __reduce__(self) -> tuple[type[BrokenSidecar], tuple[str, str]]:
        return (type(self), (self.path, self.detail))
