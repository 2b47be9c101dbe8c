"""Linux processes as the kernel sees them, and a process's output read with a deadline."""

from __future__ import annotations

import os
import selectors
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class Proc:
    pid: int
    started: int  # clock ticks after boot: tells a process from a later one given the same pid
    command: str

    def alive(self) -> bool:
        """Still running: not gone, not a zombie waiting to be reaped, not another process."""
        stat = _stat(self.pid)
        return stat is not None and stat[1] != "Z" and stat[2] == self.started


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) from /proc/PID/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces
    return int(fields[1]), fields[0], int(fields[19])


def descendants(pid: int) -> list[Proc]:
    """Every living process below ``pid``: its children, theirs, and so on."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[1] != "Z":
            parents[int(entry.name)] = stat[0]
    found: list[Proc] = []
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        for child in frontier:
            stat = _stat(child)
            if stat is not None:
                found.append(Proc(child, stat[2], _command(child)))
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
    except OSError:
        return "?"


def read_until(stream: IO[bytes], wanted: bytes, deadline: float) -> bytes:
    """What ``stream`` says until it has said ``wanted``, or ends, or ``deadline`` passes.

    ``stream`` must be unbuffered (``Popen(..., bufsize=0)``): the selector sees only the pipe."""
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while wanted not in seen and (left := deadline - time.monotonic()) > 0:
            if not selector.select(left):
                break
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                break
            seen += chunk
    return seen
