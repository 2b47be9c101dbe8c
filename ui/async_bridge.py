"""Running service coroutines from widgets on the one qasync loop, without blocking the GUI thread.

Widgets call `jobs.run(coro, on_done, on_error, label=...)`; the result or the error comes back on
the GUI thread (the loop runs there). Labelled jobs show in the status bar while they run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from ui.messages import message_for

log = logging.getLogger(__name__)


class Jobs(QObject):
    """Owns every task a window started, so they can be awaited in tests and cancelled on close."""

    changed = Signal()  # the set of labelled jobs changed
    failed = Signal(str)  # a job without its own error handler failed: a plain sentence

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[asyncio.Task[Any], str] = {}

    def run(
        self,
        coro: Coroutine[Any, Any, Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str, BaseException], None] | None = None,
        *,
        label: str = "",
    ) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks[task] = label
        if label:
            self.changed.emit()

        def finished(t: asyncio.Task[Any]) -> None:
            self._tasks.pop(t, None)
            if label:
                self.changed.emit()
            if t.cancelled():
                return
            exc = t.exception()
            if exc is None:
                if on_done is not None:
                    on_done(t.result())
                return
            text = message_for(exc)
            if on_error is not None:
                on_error(text, exc)
            else:
                self.failed.emit(text)

        task.add_done_callback(finished)
        return task

    @property
    def labels(self) -> list[str]:
        return [label for label in self._tasks.values() if label]

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until every job (and the jobs they started) is done; for tests and shutdown."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._tasks:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"jobs still running: {list(self._tasks.values())}")
            await asyncio.wait(list(self._tasks), timeout=0.05)
            await asyncio.sleep(0)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
