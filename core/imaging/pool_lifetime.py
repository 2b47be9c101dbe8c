"""The imaging pool's processes end with the process that owns the pool, however it ends.

Left alone they do not: a pool worker waits on its call queue, whose write end it holds itself,
so the owner's death (kill -9, a crash) never reaches it; the forkserver waits for its "alive"
pipe to close, and every worker holds that pipe too; the resource tracker waits for its own pipe,
which all of them hold. Two mechanisms end them, either one enough:

- Every worker watches its owner (:func:`watch_owner`, run by the pool's initializer on every
  platform): a thread waits on multiprocessing's parent sentinel and ends the worker. Under
  forkserver and spawn on Linux and macOS the sentinel is a pipe whose write end only the owner
  holds, so it reads as closed the moment the owner is gone, whatever killed it; on Windows it is
  the owner's process handle, signalled when the owner exits. Once the workers are gone, the
  forkserver's alive pipe and the resource tracker's pipe close and both end by themselves.
- On Linux the kernel does it too, even for a worker busy in C code that holds the GIL:
  ``PR_SET_PDEATHSIG`` sends SIGKILL to the forkserver when its owner dies
  (``core.imaging.forkserver_guard``), and to each worker when the forkserver dies.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from multiprocessing.connection import wait

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> bool:
    """Linux: have the kernel send this process SIGKILL when its parent dies. False elsewhere.

    "Parent" is the thread that started this process: safe for a worker (the forkserver has
    one thread) and for a forkserver started from its owner's main thread, which is what
    ``imaging_pool`` arranges.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_owner() -> None:
    """In a pool worker: end this process as soon as the process that owns the pool is gone."""
    die_with_parent()  # the forkserver, on Linux; a spawned worker's parent is the owner itself
    owner = multiprocessing.parent_process()
    if owner is None:  # not started by multiprocessing: there is no owner to follow
        return
    threading.Thread(
        target=_end_when_gone, args=(owner.sentinel,), name="watch-owner", daemon=True
    ).start()


def _end_when_gone(sentinel: int) -> None:
    wait([sentinel])
    # os._exit: no clean-up that could wait on the dead owner (queue feeder threads, atexit).
    os._exit(1)


def in_forkserver() -> bool:
    """Whether this process is a multiprocessing forkserver importing its preload modules."""
    return (
        sys.argv[:1] == ["-c"]
        and "multiprocessing.forkserver" in sys.modules
        and multiprocessing.parent_process() is None
    )
