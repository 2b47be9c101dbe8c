"""What an import knows while it runs, and what it reports: progress, failures, the result."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import IngestFailure
from core.catalog.base import utcnow

if TYPE_CHECKING:
    from core.ingest.worker import Prepared


@dataclass(frozen=True)
class ImportFailure:
    path: str
    reason: str


@dataclass(frozen=True)
class ImportProgress:
    done: int
    total: int
    bytes_done: int
    bytes_total: int
    elapsed_s: float
    current: str
    imported: int
    duplicates: int
    failed: int
    # copying (with the embedded previews), then previews (grid thumbnails, and loupe previews
    # where one decode makes both), then loupe (the loupe previews of big JPEGs)
    phase: str = "copying"

    @property
    def phase_title(self) -> str:
        return PHASE_TITLES.get(self.phase, self.phase)

    @property
    def rate_files_s(self) -> float:
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def rate_bytes_s(self) -> float:
        return self.bytes_done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        if not self.bytes_done or self.bytes_done >= self.bytes_total:
            return None if self.done < self.total else 0.0
        return (self.bytes_total - self.bytes_done) / self.rate_bytes_s


PHASE_TITLES = {
    "copying": "Copying",
    "previews": "Previews",
    "loupe": "Loupe previews",
}


@dataclass
class ImportReport:
    album_id: uuid.UUID
    kind: str
    imported: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    failed: list[ImportFailure] = field(default_factory=list)
    photo_ids: list[uuid.UUID] = field(default_factory=list)


ProgressSink = Callable[[ImportProgress], None]


@dataclass(frozen=True)
class Planned:
    prepared: Prepared
    stem: str
    photo_id: uuid.UUID
    new_photo: bool


@dataclass
class AlbumState:
    album_id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    round: int
    stems: dict[str, uuid.UUID]
    with_original: set[uuid.UUID]
    hashes: set[str]
    # Files in the library still waiting for their real previews.
    pending: list[AwaitingPreviews] = field(default_factory=list)
    # Originals known here whose files are on another machine: photo id -> content hash.
    originals_elsewhere: dict[uuid.UUID, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AwaitingPreviews:
    """A file in the library whose real previews are still to be made."""

    version_id: uuid.UUID
    photo_id: uuid.UUID
    library_path: str
    content_hash: str
    source: str  # as the photographer knows it, for progress and failures


async def note_failure(session: AsyncSession, state: AlbumState, source: str, reason: str) -> None:
    """Record (or update) the open import failure of `source`: it blocks leaving Raw."""
    open_row = await session.scalar(
        select(IngestFailure).where(
            IngestFailure.album_id == state.album_id,
            IngestFailure.source_path == source,
            IngestFailure.resolved_at.is_(None),
        )
    )
    if open_row is None:
        session.add(
            IngestFailure(
                id=uuid.uuid4(),
                tenant_id=state.tenant_id,
                album_id=state.album_id,
                source_path=source,
                reason=reason,
            )
        )
    else:
        open_row.reason = reason


async def resolve_failure(session: AsyncSession, album_id: uuid.UUID, source: str, how: str) -> int:
    """The file came in after all (or was already in): its failure is dealt with. How many."""
    result = await session.execute(
        update(IngestFailure)
        .where(
            IngestFailure.album_id == album_id,
            IngestFailure.source_path == source,
            IngestFailure.resolved_at.is_(None),
        )
        .values(resolved_at=utcnow(), resolution=how)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
