"""The desktop's deliveries: making an album's finals in the background once it reaches Final,
carrying on at start-up what a closed or killed desktop left unfinished, and how far each album's
delivery is ("delivering 12 of 40"), whichever process makes it (its progress comes as changes)."""

from __future__ import annotations

import asyncio
import uuid

from PySide6.QtCore import QObject, Signal

from core.changes import Change
from core.errors import Conflict
from core.events import Event
from core.policies import Permission
from core.services.delivery import DeliveryView
from ui.studio import Studio


class Deliveries(QObject):
    changed = Signal()  # some album's delivery moved on
    finished = Signal(str)  # a sentence: "Smith Wedding: 40 finals made."

    def __init__(self, studio: Studio, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.states: dict[uuid.UUID, DeliveryView] = {}
        self.names: dict[uuid.UUID, str] = {}
        self._running: set[uuid.UUID] = set()
        self._listener: asyncio.Future[None] | None = None
        studio.actor_changed.connect(self.follow)
        self.follow()

    def words(self, album_id: uuid.UUID) -> str:
        """'delivering 12 of 40' while the album's finals are being made, else ''."""
        view = self.states.get(album_id)
        if view is None or view.state != "delivering":
            return ""
        return f"delivering {view.done} of {view.total}"

    def status(self) -> str:
        """The status bar's words for every delivery under way."""
        parts = [
            f"{self.names.get(a, 'an album')}: {self.words(a)}"
            for a, v in self.states.items()
            if v.state == "delivering"
        ]
        return " · ".join(parts)

    def start(self, album_id: uuid.UUID, name: str, presets: list[str] | None = None) -> None:
        """Make (or carry on making) the album's finals in the background."""
        if album_id in self._running or not self.studio.may(Permission.MANAGE_ALBUMS):
            return
        self._running.add(album_id)
        self.names[album_id] = name

        def progress(done: int, total: int) -> None:
            self._update(album_id, "delivering", done, total)

        def done(view: DeliveryView) -> None:
            self._running.discard(album_id)
            self.states[album_id] = view
            self.changed.emit()
            if view.state == "done":
                self.finished.emit(f"{name}: {view.done} finals made.")
            else:
                self.finished.emit(f"{name}: {view.problem or 'the delivery failed.'}")

        def failed(text: str, exc: BaseException) -> None:
            self._running.discard(album_id)
            if not isinstance(exc, Conflict):  # another PhotoFlow is making them: it tells
                self.finished.emit(f"{name}: {text}")

        self.studio.jobs.run(
            self.studio.services.delivery.deliver(
                self.studio.actor, album_id, presets, progress=progress
            ),
            done,
            failed,
            label=f"Delivering {name}",
        )

    def resume(self) -> None:
        """Carry on the deliveries no process is making any more (a restart after a kill)."""

        def carry_on(views: list[DeliveryView]) -> None:
            for view in views:
                self.states[view.album_id] = view
                self.names.setdefault(view.album_id, view.album_name)
                if view.stalled:
                    self.start(view.album_id, view.album_name)
            self.changed.emit()

        self.studio.jobs.run(self.studio.services.delivery.unfinished(self.studio.actor), carry_on)

    def _update(self, album_id: uuid.UUID, state: str, done: int, total: int) -> None:
        old = self.states.get(album_id)
        self.states[album_id] = DeliveryView(
            album_id, state, done, total, None, old.presets if old else ()
        )
        self.changed.emit()

    # Progress made by other processes (the command line, another desktop) -------------------
    def follow(self) -> None:
        self.stop_following()
        self._listener = self.studio.hear_changes(self._heard)

    def stop_following(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            self._listener = None

    def _heard(self, event: Event) -> None:
        ours = event.album_id in self._running  # ours report through their progress
        if event.kind is Change.ALBUM_DELIVERY and event.album_id and not ours:
            data = event.data
            self._update(
                event.album_id,
                str(data.get("state")),
                int(data.get("done", 0)),
                int(data.get("total", 0)),
            )
