"""Telling the studio what clients do: a system notification (the tray's message) when a client
sends a selection, comments or asks for changes, and where the system has no tray, the status
bar. The album list shows a badge on the album until it is opened."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from core.changes import Change
from core.events import Event
from ui.studio import Studio

TOLD = frozenset({Change.SELECTION_SUBMITTED, Change.FEEDBACK_COMMENT, Change.FEEDBACK_DECISION})


def from_client(event: Event) -> bool:
    """Said through a client link (the studio's own replies and decisions are not news)."""
    return event.kind in TOLD and event.actor.startswith("guest ") and not event.data.get("staff")


def notice_text(event: Event, album: str) -> tuple[str, str]:
    """(title, message) of the notification, in the studio's words."""
    guest = str(event.data.get("guest") or event.data.get("by") or "A client")
    if event.kind is Change.SELECTION_SUBMITTED:
        count = int(event.data.get("count") or 0)
        return (
            f"{album}: selection sent",
            f"{guest} sent their selection: {count} photo{'s' if count != 1 else ''}.",
        )
    if event.kind is Change.FEEDBACK_DECISION:
        if event.data.get("decision") == "approval":
            return f"{album}: approved", f"{guest} approved a photo."
        note = event.data.get("note")
        return f"{album}: changes requested", f"{guest} asks for changes" + (
            f": “{_short(str(note))}”" if note else "."
        )
    return f"{album}: new comment", f"{guest}: “{_short(str(event.data.get('text') or ''))}”"


def _short(text: str, most: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


class ClientNotices(QObject):
    """Follows the studio's changes; `told` is emitted for each client action, after the
    notification is shown (or the status bar said it)."""

    told = Signal(object, str, str)  # album id, title, message

    def __init__(
        self,
        studio: Studio,
        album_name: Callable[[uuid.UUID], str | None],
        say: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.studio = studio
        self.album_name = album_name
        self.say = say
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            icon = parent.windowIcon() if parent is not None else QIcon()
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip("PhotoFlow")
            self.tray.show()
        self.last: tuple[str, str] | None = None
        self._listener: asyncio.Future[None] | None = None
        studio.actor_changed.connect(self.follow)
        self.follow()

    def follow(self) -> None:
        self.stop()
        self._listener = self.studio.hear_changes(self._heard)

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            self._listener = None

    def _heard(self, event: Event) -> None:
        if from_client(event) and event.album_id is not None:
            self.tell(event)

    def tell(self, event: Event) -> None:
        album = self.album_name(event.album_id) or "An album"  # type: ignore[arg-type]
        title, text = notice_text(event, album)
        self.last = (title, text)
        if self.tray is not None and self.tray.supportsMessages():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 10_000)
        else:  # no tray here (a bare window manager, a headless session): the status bar says it
            self.say(f"{title} — {text}")
        self.told.emit(event.album_id, title, text)
