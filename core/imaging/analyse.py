"""One photo through the ingest process pool: read once, hash, read metadata, make previews."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import blake3

from core.imaging.errors import NotAPhoto
from core.imaging.metadata import PhotoMetadata, metadata_from_bytes
from core.imaging.pool_lifetime import watch_owner
from core.imaging.previews import DEFAULT_SIZES, PreviewSet, make_previews


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the catalog needs to take a photo in; picklable for a process pool."""

    source_path: Path
    content_hash: str
    size_bytes: int
    metadata: PhotoMetadata
    previews: PreviewSet


def hash_bytes(data: bytes | memoryview) -> str:
    """The content hash that names a photo everywhere (BLAKE3, 64 hex digits)."""
    return blake3.blake3(data).hexdigest()


def hash_file(path: str | os.PathLike[str]) -> str:
    """:func:`hash_bytes` of a file, without holding it in memory (for verifying copies)."""
    hasher = blake3.blake3()
    hasher.update_mmap(os.fspath(path))
    return hasher.hexdigest()


def analyse_photo(
    path: str | os.PathLike[str],
    cache_root: str | os.PathLike[str],
    sizes: Sequence[int] = DEFAULT_SIZES,
) -> Analysis:
    """Read ``path`` once and return its hash, metadata and cached previews.

    Raises NotAPhoto (with a reason for the ingest report) when the file is not a usable photo.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError as e:
        raise NotAPhoto("a folder, not a file") from e
    except PermissionError as e:
        raise NotAPhoto("cannot be read: permission denied") from e
    if not data:
        raise NotAPhoto("empty file (0 bytes)")
    name = os.fspath(path)
    metadata = metadata_from_bytes(data, name)
    content_hash = hash_bytes(data)
    previews = make_previews(data, cache_root, content_hash, sizes, filename=name)
    return Analysis(path, content_hash, len(data), metadata, previews)


def imaging_pool(
    max_workers: int | None = None, chatter_log: Path | None = None
) -> ProcessPoolExecutor:
    """A process pool fit for imaging work: all cores by default, and no ``fork``.

    LibRaw (rawpy) runs OpenMP, which can deadlock in a forked child (rawpy warns about it),
    and a forked GUI process would drag Qt state along; ``forkserver`` starts workers clean.
    With ``chatter_log``, what the C decoders print on their own (libtiff's "Missing JPEG
    tables." for old RAWs, libjpeg's warnings) goes to that file, not the photographer's terminal;
    every refusal still reaches them as a sentence through the import's report.

    Every process of the pool ends with the process that builds it, however that one ends (see
    ``core.imaging.pool_lifetime``).
    """
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # Workers fork from a server that has already imported the imaging stack (Pillow,
        # pillow-heif, rawpy, blake3): a worker starts in milliseconds instead of ~0.5 s.
        # (rawpy by name: the command line's process loads it only for RAW files.)
        preload = ["core.ingest.worker", "rawpy"]
        if threading.current_thread() is threading.main_thread():
            # The kernel ties the forkserver to the thread that starts it: start it now, from
            # the thread that lives as long as this process, and it dies with this process.
            preload.append("core.imaging.forkserver_guard")
            context.set_forkserver_preload(preload)
            from multiprocessing import forkserver

            forkserver.ensure_running()
        else:
            context.set_forkserver_preload(preload)
    if chatter_log is not None:
        _keep_short(chatter_log)
    return ProcessPoolExecutor(
        max_workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(None if chatter_log is None else str(chatter_log),),
    )


def _start_worker(chatter_log: str | None) -> None:
    watch_owner()
    if chatter_log is not None:
        _chatter_to(chatter_log)


CHATTER_LOG_MAX = 5_000_000


def _keep_short(log: Path) -> None:
    """Start a new log when the last one has grown past CHATTER_LOG_MAX (one old one is kept)."""
    try:
        if log.stat().st_size > CHATTER_LOG_MAX:
            os.replace(log, log.with_name(log.name + ".1"))
    except OSError:
        pass  # none yet, or a read-only home


def _chatter_to(path: str) -> None:
    """In a worker: send file descriptor 2 (where C libraries write) to ``path``."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:
        return  # a read-only home: the chatter stays on the terminal
    os.dup2(fd, 2)
    os.close(fd)
