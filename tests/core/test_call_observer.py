"""Every service call is told to the observers the composition root set (the server's metrics):
its action, outcome and duration; an observer that fails never fails the call."""

from __future__ import annotations

import pytest

from app.bootstrap import context_of
from core.errors import NotPermitted
from tests.conftest import Studio


async def test_observers_hear_every_call_and_cannot_break_one(studio: Studio) -> None:
    heard: list[tuple[str, str, float]] = []

    def broken(action: str, outcome: str, seconds: float) -> None:
        raise RuntimeError("a metrics library fell over")

    context_of(studio.services).on_call[:] = [broken, lambda *told: heard.append(told)]
    await studio.services.albums.create(studio.photographer, "Smith Wedding")
    with pytest.raises(NotPermitted):
        await studio.services.staff.devices(studio.photographer)
    assert [(a, o) for a, o, _ in heard] == [("album.create", "ok"), ("device.list", "denied")]
    assert all(0 < seconds < 30 for _, _, seconds in heard)
