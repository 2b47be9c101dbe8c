"""The three-way comparison: what a sync must do, from the last synced state (the base), what
changed here and what changed in Drive. Pure: no I/O, so every rule is tested in milliseconds.

The rules (issue 13, "Safety"):
- changed here only: upload; changed in Drive only: download (an original is never overwritten
  from Drive: Drive's copy is kept beside it as a conflict copy);
- finals (one per photo and export preset, in `Final/<preset>`) are made here, never taken in:
  one changed in Drive is kept there as a conflict copy and ours goes up again, a file put into
  `Final` in Drive is left there (a problem line), a final renamed here (its preset's
  rename template changed) goes up again under its new name, and one we trashed in Drive (its
  preset dropped) goes up again if its preset comes back;
- changed on both sides: keep both; Drive's becomes a named conflict copy;
- changed on one side, deleted on the other: the change wins;
- deleted on one side, untouched on the other: a deletion, counted against the limit; a file
  deleted in Drive is never deleted here (it stops syncing: a tombstone), one deleted here is
  moved to Drive's trash;
- absence is never a deletion: an empty or partial listing, or a failed feed, deletes nothing;
  only an explicit removal in the changes feed does;
- more deletions than the smaller of half the album's synced files and the studio's limit: the
  run stops and asks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from core.ingest.matching import match_stem, stem_of
from core.services.drive_state import Slot, SyncedFile
from sync.drive.layout import folder_of, in_finals, is_conflict_copy, slot_of, version_of_folder
from sync.drive.remote import RemoteFile


@dataclass(frozen=True)
class LocalFile:
    """A version here as it is now."""

    slot: Slot
    path: Path
    name: str
    content_hash: str
    md5: str | None = None  # worked out only where Drive has a copy to compare with


@dataclass(frozen=True)
class Upload:
    slot: Slot
    local: LocalFile
    file_id: str | None  # new content of this Drive file; None: a new file
    folder: str


@dataclass(frozen=True)
class Download:
    remote: RemoteFile
    slot: Slot | None  # None: a new photo (a file dropped into Originals)
    kind: str
    round: int
    folder: str


@dataclass(frozen=True)
class Adopt:
    """The same bytes on both sides already (an upload whose record a kill lost): record it."""

    slot: Slot
    local: LocalFile
    remote: RemoteFile
    folder: str


@dataclass(frozen=True)
class KeepBoth:
    """Changed on both sides: ours stays the version, Drive's is kept as a conflict copy."""

    slot: Slot
    local: LocalFile | None
    remote: RemoteFile
    reason: str


@dataclass(frozen=True)
class Deletion:
    slot: Slot
    base: SyncedFile
    side: str  # "drive": deleted there, stops syncing here; "here": deleted here, trashed there


@dataclass(frozen=True)
class Rename:
    """Renamed or moved in Drive, same content: followed by its appProperties."""

    slot: Slot
    remote: RemoteFile
    folder: str


@dataclass
class Plan:
    uploads: list[Upload] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    conflicts: list[KeepBoth] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)
    adopts: list[Adopt] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the run must ask before acting

    @property
    def empty(self) -> bool:
        return not (
            self.uploads
            or self.downloads
            or self.conflicts
            or self.deletions
            or self.renames
            or self.adopts
        )

    def counts(self) -> dict[str, int]:
        return {
            "uploads": len(self.uploads),
            "downloads": len(self.downloads),
            "conflicts": len(self.conflicts),
            "deletions": len(self.deletions),
            "renames": len(self.renames),
            "adopted": len(self.adopts),
        }


@dataclass
class Sides:
    """What a run knows. `local` holds the versions that may have changed here (every version on
    a first sync); `local_gone` the slots whose photo changed here and that have no version now.
    `remote` holds the Drive files the feed (or the first listing) showed in the album's folders
    or carrying its appProperties; `removed` the file ids the feed said were removed."""

    album_id: uuid.UUID
    synced: dict[Slot, SyncedFile]
    folders: dict[str, str]  # folder path in the album -> Drive folder id
    stems: dict[str, uuid.UUID]  # photo stem -> photo id
    local: dict[Slot, LocalFile] = field(default_factory=dict)
    local_gone: set[Slot] = field(default_factory=set)
    remote: list[RemoteFile] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)
    synced_count: int | None = None  # files in sync in the album, when `synced` holds only some


def make_plan(
    sides: Sides, *, delete_limit: int, allow_deletions: bool = False, album_round: int = 1
) -> Plan:
    plan = Plan()
    by_file = {b.drive_file_id: b for b in sides.synced.values()}
    folder_of_id = {fid: path for path, fid in sides.folders.items()}
    remote_by_slot: dict[Slot, RemoteFile] = {}
    remote_gone: set[Slot] = set()

    for r in sides.remote:
        if r.is_folder or is_conflict_copy(r.app_properties):
            continue
        slot = slot_of(r.app_properties, sides.album_id)
        if slot is None and r.id in by_file:
            slot = by_file[r.id].slot  # ours, its properties stripped: still ours
        folder = _folder(r, folder_of_id)
        if r.trashed:
            if slot is not None and slot in sides.synced:
                remote_gone.add(slot)
            continue
        if slot is None:
            slot = _dropped_in(r, folder, sides, plan, album_round)
            if slot is None:
                continue
        remote_by_slot[slot] = r
    for file_id in sides.removed:
        base = by_file.get(file_id)
        if base is not None:
            remote_gone.add(base.slot)

    slots = set(sides.local) | sides.local_gone | set(remote_by_slot) | remote_gone
    for slot in sorted(slots, key=lambda s: (str(s.photo_id), s.kind, s.round, s.preset)):
        _compare(slot, sides, remote_by_slot.get(slot), slot in remote_gone, plan, folder_of_id)

    live = sides.synced_count
    if live is None:
        live = sum(1 for b in sides.synced.values() if b.deleted_on is None)
    limit = min(live // 2, delete_limit)
    if len(plan.deletions) > limit and not allow_deletions:
        plan.stopped = (
            f"This sync would delete {len(plan.deletions)} of {live} synced files, more than "
            f"the limit of {limit} (the smaller of half the album and the studio's "
            f"drive_delete_limit). Nothing was done. Look at the album in Drive; if the "
            f"deletions are wanted, run again with --allow-deletions."
        )
    return plan


def _compare(
    slot: Slot,
    sides: Sides,
    remote: RemoteFile | None,
    remote_deleted: bool,
    plan: Plan,
    folder_of_id: dict[str, str],
) -> None:
    base = sides.synced.get(slot)
    tomb = base is not None and base.deleted_on is not None
    local = sides.local.get(slot)
    live_base = base if base is not None and not tomb else None
    # A tombstone keeps its last hash: the same file here is not sent back to where it was
    # deleted; a changed one is (the change wins).
    local_changed = _changed_here(slot, local, base)
    local_deleted = slot in sides.local_gone and live_base is not None and local is None
    remote_changed = remote is not None and (
        base is None or remote.md5 != base.md5 or remote.id != base.drive_file_id
    )
    remote_deleted = remote_deleted and live_base is not None and not remote_changed
    folder = folder_of(slot)

    if local_changed and remote_changed:
        assert local is not None and remote is not None
        if local.md5 is not None and local.md5 == remote.md5:
            plan.adopts.append(Adopt(slot, local, remote, _folder(remote, folder_of_id) or folder))
        else:
            plan.conflicts.append(KeepBoth(slot, local, remote, "changed here and in Drive"))
        return
    if local_changed:
        assert local is not None
        reuse = live_base.drive_file_id if live_base is not None and not remote_deleted else None
        plan.uploads.append(Upload(slot, local, reuse, folder))
        return
    if remote_changed:
        assert remote is not None
        if local is not None and local.md5 is not None and local.md5 == remote.md5:
            plan.adopts.append(Adopt(slot, local, remote, _folder(remote, folder_of_id) or folder))
        elif slot.kind in ("original", "final") and (live_base is not None or local is not None):
            what = "an original" if slot.kind == "original" else "a final"
            plan.conflicts.append(
                KeepBoth(slot, local, remote, f"{what} changed in Drive; ours is kept")
            )
        elif slot.kind == "final":
            plan.problems.append(_not_taken_in(remote, _folder(remote, folder_of_id) or folder))
        else:
            plan.downloads.append(Download(remote, slot, slot[1], slot[2], folder))
        return
    if local_deleted and live_base is not None:
        plan.deletions.append(Deletion(slot, live_base, "here"))
        return
    if remote_deleted and live_base is not None:
        plan.deletions.append(Deletion(slot, live_base, "drive"))
        return
    if remote is not None and live_base is not None:
        now = _folder(remote, folder_of_id) or live_base.folder
        if remote.name != live_base.name or now != live_base.folder:
            plan.renames.append(Rename(slot, remote, now))


def _changed_here(slot: Slot, local: LocalFile | None, base: SyncedFile | None) -> bool:
    if local is None:
        return False
    if base is None or local.content_hash != base.content_hash:
        return True
    # A final is ours alone: one renamed here (its preset's rename template changed) goes up
    # under its new name; one trashed in Drive because its preset was dropped goes up again
    # when the preset is back.
    if slot.kind == "final":
        return base.deleted_on == "here" or (base.deleted_on is None and local.name != base.name)
    return False


def _dropped_in(
    r: RemoteFile, folder: str | None, sides: Sides, plan: Plan, album_round: int
) -> Slot | None:
    """A file someone put into one of the album's folders in Drive: the version its folder says,
    of the photo its filename stem names. Returns the version when it is also new or changed
    here, to be compared as any file changed on both sides (the same bytes: a file taken in
    before a kill lost its record, recorded now; else both are kept)."""
    if in_finals(folder):
        plan.problems.append(_not_taken_in(r, folder or ""))
        return None
    version = version_of_folder(folder) if folder else None
    if version is None:
        return None  # not in a folder we sync (the album folder itself, somewhere else)
    kind, round_ = version
    stem = match_stem(stem_of(r.name), sides.stems)
    if stem is None and kind != "original":
        plan.problems.append(
            f"{folder}/{r.name}: no photo named like {Path(r.name).stem} in this album; "
            f"it was left in Drive."
        )
        return None
    if kind == "retouched" and round_ != album_round:
        plan.problems.append(
            f"{folder}/{r.name}: the album is in retouch round {album_round}, so a file in "
            f"Round {round_} was not taken in."
        )
        return None
    photo = sides.stems.get(stem) if stem is not None else None
    slot = Slot(photo, kind, round_) if photo is not None else None
    # An original named like one we have goes to the import too: it tells a second copy of
    # ours (taken in before a kill lost its record; then it is recorded) from another picture.
    if slot is not None and slot in sides.synced:
        base = sides.synced[slot]
        if base.deleted_on is None and base.md5 == r.md5:
            return None  # a second copy of what is there
    if slot is not None and slot in sides.local:
        base = sides.synced.get(slot)
        if base is None or sides.local[slot].content_hash != base.content_hash:
            return slot
    plan.downloads.append(Download(r, slot, kind, round_, folder or ""))
    return None


def _not_taken_in(r: RemoteFile, folder: str) -> str:
    return (
        f"{folder}/{r.name}: finals are made by PhotoFlow, so a file put into Final in Drive is "
        f"not taken in; it was left in Drive."
    )


def _folder(r: RemoteFile, folder_of_id: dict[str, str]) -> str | None:
    for parent in r.parents:
        if parent in folder_of_id:
            return folder_of_id[parent]
    return None
