"""One album's two-way sync with Drive: read what changed on both sides since the last run, plan
(sync/drive/plan.py), tell, then apply the plan step by step.

What changed here comes from the change journal, what changed in Drive from the changes feed at
the persisted page token; only an album's first sync lists its folders. Every applied step is
one call to services.drive (one transaction, one audit row), so a run killed at any moment has
recorded what it finished; the feeds' marks move only at the end of a clean run, so the next run
reads the same changes again and finds the finished steps already done.

Finals go one way, up to `Final/<preset>`: a final made (or made again) is a journal entry of its
delivery naming the photo; an album whose presets were chosen anew, or no longer include one of
its `Final/<preset>` folders, has all its finals compared, so that a dropped preset's go to
Drive's trash (and come back with it).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core.changes import Change
from core.errors import PhotoFlowError
from core.ingest.library import album_folder
from core.ingest.matching import match_stem, stem_of
from core.policies import Actor
from core.services import Services
from core.services.drive_state import DriveAlbumState, LocalVersion, Slot, SyncedFile
from sync.drive.layout import (
    ALBUM,
    CONFLICT,
    FOLDERS,
    RETOUCHED,
    conflict_name,
    folder_of,
    properties,
    slot_of,
    version_of_folder,
)
from sync.drive.plan import (
    Adopt,
    Deletion,
    Download,
    KeepBoth,
    LocalFile,
    Plan,
    Rename,
    Sides,
    Upload,
    make_plan,
)
from sync.drive.remote import (
    Drive,
    DriveChecksumMismatch,
    DriveError,
    DriveNotFound,
    RemoteFile,
)

log = logging.getLogger(__name__)

TRANSFERS = 4  # files moving at once
# The journal's entries that name a photo whose files here may have changed: a version came in or
# went, or one of its finals was made (again) by a delivery.
_CHANGED_FILES = frozenset({Change.PHOTO_VERSION, Change.PHOTO_REMOVED, Change.ALBUM_DELIVERY})


@dataclass(frozen=True)
class SyncProgress:
    album: str
    state: str  # planning, uploading, downloading, in_sync, paused, stopped
    done: int = 0
    total: int = 0
    message: str | None = None


@dataclass
class SyncReport:
    album_id: uuid.UUID
    album: str
    plan: Plan
    dry_run: bool = False
    first: bool = False
    done: int = 0
    problems: list[str] = field(default_factory=list)
    paused: str | None = None  # Drive could not be reached, or wants a new sign-in

    @property
    def stopped(self) -> str | None:
        return self.plan.stopped

    def to_json(self) -> dict[str, Any]:
        p = self.plan
        return {
            "album": self.album,
            "album_id": str(self.album_id),
            "dry_run": self.dry_run,
            "first_sync": self.first,
            "plan": p.counts(),
            "uploads": [f"{u.folder}/{u.local.name}" for u in p.uploads],
            "downloads": [f"{d.folder}/{d.remote.name}" for d in p.downloads],
            "conflicts": [f"{c.remote.name}: {c.reason}" for c in p.conflicts],
            "deletions": [f"{d.base.folder}/{d.base.name} ({_side(d)})" for d in p.deletions],
            "renames": [f"{r.remote.name} -> {r.folder}" for r in p.renames],
            "stopped": p.stopped,
            "done": self.done,
            "problems": [*p.problems, *self.problems],
            "paused": self.paused,
        }


def _side(d: Deletion) -> str:
    return "deleted in Drive; kept here" if d.side == "drive" else "deleted here; to Drive's trash"


Progress = Callable[[SyncProgress], None]


class AlbumSync:
    """Sync albums of one studio with one Drive, as one user."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        drive: Drive,
        *,
        progress: Progress | None = None,
        incoming: Path | None = None,
    ) -> None:
        self.s = services
        self.actor = actor
        self.drive = drive
        self.progress = progress or (lambda _p: None)
        self.incoming = incoming or services.paths.root / "drive-incoming"
        self._root: str | None = None

    async def run(
        self,
        album_ref: str | uuid.UUID,
        *,
        dry_run: bool = False,
        allow_deletions: bool = False,
        on_plan: Callable[[SyncReport], None] | None = None,
    ) -> SyncReport:
        state = await self.s.drive.begin(self.actor, album_ref, full=False)
        run = _Run(self, state)
        return await run.go(dry_run=dry_run, allow_deletions=allow_deletions, on_plan=on_plan)

    async def root(self, drive_root: str) -> str:
        """The studio's Drive root folder: `drive_root` as a folder id, else as a folder name in
        My Drive (PhotoFlow when the setting is empty)."""
        if self._root is None:
            wanted = drive_root.strip()
            if wanted:
                try:
                    found = await self.drive.get(wanted)
                    if found.is_folder and not found.trashed:
                        self._root = found.id
                except DriveNotFound:
                    pass
            if self._root is None:
                folder = await self.drive.find_or_create_folder(wanted or "PhotoFlow", "root")
                self._root = folder.id
        return self._root


class _Run:
    def __init__(self, sync: AlbumSync, state: DriveAlbumState) -> None:
        self.sync = sync
        self.s = sync.s
        self.actor = sync.actor
        self.drive = sync.drive
        self.state = state
        self.folders = dict(state.folders)
        self.report = SyncReport(state.album_id, state.name, Plan())
        self._shown = time.monotonic()
        self.new_folders = False  # found in the changes feed: remembered when the run ends
        self.all_finals = False  # every final compared: a preset's folder is not the album's now
        self.clean = True  # no step failed for a reason that may pass: the marks may move on

    # --- reading both sides ------------------------------------------------------------------

    async def go(
        self,
        *,
        dry_run: bool,
        allow_deletions: bool,
        on_plan: Callable[[SyncReport], None] | None,
    ) -> SyncReport:
        state, report = self.state, self.report
        report.dry_run = dry_run
        first = report.first = state.folder_id is None or state.page_token is None
        self._tell("planning")
        try:
            if first:
                journal_mark = await self.s.journal.newest(self.actor)
                await self._read_base(full=True)
                remote, removed, token = await self._first_listing(dry_run)
            else:
                changes, token = await self.drive.changes(state.page_token or "")
                remote, removed = self._in_album(changes)
            self.all_finals = not first and bool(self._dropped_presets())
            local, photos, journal_mark = await self._local(first, journal_mark if first else 0)
        except DriveError as exc:
            return await self._pause(exc)
        if not first:
            await self._read_base(
                full=photos is None, photos=photos, remote=remote, removed=removed
            )
        gone = {
            slot
            for slot in state.synced
            if (photos is None or slot.photo_id in photos or self._all_finals_of(slot))
            and slot not in local
        }
        remote_slots = {slot_of(r.app_properties, state.album_id) for r in remote}
        remote_slots |= {b.slot for b in state.synced.values() if b.drive_file_id in _ids(remote)}
        # Files put in Drive by hand are matched by name: their photos' files here are compared
        # by md5 too (one taken in before a kill lost its record is the same file).
        album = str(state.album_id)
        by_stem = {stem: pid for pid, stem in state.stems.items()}
        named = {
            by_stem[m]
            for r in remote
            if r.app_properties.get(ALBUM) != album
            and (m := match_stem(stem_of(r.name), by_stem)) is not None
        }
        for slot in local:
            if slot in remote_slots or slot[0] in named:
                local[slot] = await _with_md5(local[slot])
        stems = {stem: pid for pid, stem in state.stems.items()}
        sides = Sides(
            state.album_id, state.synced, self.folders, stems, local, gone, remote, removed
        )
        plan = report.plan = make_plan(
            sides,
            delete_limit=state.delete_limit,
            allow_deletions=allow_deletions,
            album_round=state.round,
        )
        if on_plan is not None:
            on_plan(report)
        if dry_run:
            return report
        if plan.stopped:
            await self.s.drive.show(self.actor, state.album_id, "stopped", plan.stopped)
            self._tell("stopped", message=plan.stopped)
            return report
        try:
            await self._apply(plan)
        except DriveError as exc:
            return await self._pause(exc)
        problems = [*plan.problems, *report.problems]
        if self.clean and self.all_finals:  # a dropped preset's finals are in Drive's trash now
            for preset in self._dropped_presets():
                del self.folders[f"{FOLDERS['final']}/{preset}"]
                self.new_folders = True
        if self.new_folders:
            await self.s.drive.save_folders(
                self.actor, state.album_id, self.folders[""], self.folders
            )
        await self.s.drive.finish(
            self.actor,
            state.album_id,
            page_token=token if self.clean else None,
            journal_seq=journal_mark if self.clean else state.journal_seq,
            summary={**plan.counts(), "done": report.done},
            problems=problems,
        )
        self._tell("in_sync" if not problems else "problems", report.done, report.done)
        return report

    async def _first_listing(self, dry_run: bool) -> tuple[list[RemoteFile], set[str], str | None]:
        """An album's first sync: take the changes feed's token first (so nothing made during the
        listing is missed), then find or make the album's folders and list them once."""
        state = self.state
        token = await self.drive.start_page_token()
        if dry_run and state.folder_id is None:
            return [], set(), token  # nothing in Drive is made by a dry run
        root = await self.sync.root(state.drive_root)
        album = await self.drive.find_or_create_folder(
            state.name, root, {ALBUM: str(state.album_id)}
        )
        self.folders[""] = album.id
        for name in (*FOLDERS.values(), RETOUCHED, f"{RETOUCHED}/Round {state.round}"):
            await self._folder_id(name)
        retouched = await self.drive.children(self.folders[RETOUCHED])
        for f in retouched:
            if f.is_folder and not f.trashed and f.name.startswith("Round "):
                self.folders.setdefault(f"{RETOUCHED}/{f.name}", f.id)
        final = FOLDERS["final"]
        for f in await self.drive.children(self.folders[final]):
            if f.is_folder and not f.trashed and f.name in state.presets:
                self.folders.setdefault(f"{final}/{f.name}", f.id)
        if not dry_run:
            account = await self.drive.account()
            await self.s.drive.save_folders(
                self.actor,
                state.album_id,
                album.id,
                self.folders,
                account=account,
                page_token=token,
            )
        remote: list[RemoteFile] = []
        for path, folder_id in sorted(self.folders.items()):
            if path in ("", RETOUCHED):
                continue
            remote += [f for f in await self.drive.children(folder_id) if not f.is_folder]
        return remote, set(), None  # the saved token stays until the first run ends

    def _in_album(self, changes: list[Any]) -> tuple[list[RemoteFile], set[str]]:
        """The changes of the whole Drive that concern this album. A `Round N` folder someone
        made in the album's `Retouched` folder becomes one of the album's folders."""
        retouched = self.folders.get(RETOUCHED)
        for change in changes:
            f = change.file
            if (
                f is not None
                and f.is_folder
                and not f.trashed
                and retouched in f.parents
                and version_of_folder(f"{RETOUCHED}/{f.name}") is not None
            ):
                self.folders.setdefault(f"{RETOUCHED}/{f.name}", f.id)
                self.new_folders = True
        ours = set(self.folders.values())
        synced = {b.drive_file_id for b in self.state.synced.values()}
        album = str(self.state.album_id)
        remote: list[RemoteFile] = []
        removed: set[str] = set()
        for change in changes:
            f = change.file
            if change.removed or f is None:
                removed.add(change.file_id)
            elif (
                f.id in synced
                or f.app_properties.get(ALBUM) == album
                or any(p in ours for p in f.parents)
            ):
                remote.append(f)
        return remote, removed

    def _dropped_presets(self) -> list[str]:
        """The album's `Final/<preset>` folders whose preset the album no longer delivers."""
        final = FOLDERS["final"] + "/"
        return [
            path.removeprefix(final)
            for path in self.folders
            if path.startswith(final) and path.removeprefix(final) not in self.state.presets
        ]

    def _all_finals_of(self, slot: Slot) -> bool:
        return self.all_finals and slot.kind == "final"

    async def _local(
        self, first: bool, journal_mark: int
    ) -> tuple[dict[Slot, LocalFile], set[uuid.UUID] | None, int]:
        """What may have changed here: every version and final on a first sync (or when the
        journal was compacted past our mark); else the versions and finals of the photos the
        journal names (every final when a preset was dropped)."""
        state = self.state
        photos: set[uuid.UUID] | None = None
        if not first:
            photos, journal_mark, compacted = set(), state.journal_seq, False
            while True:
                events, compacted_now = await self.s.journal.since(
                    self.actor, journal_mark, album=state.album_id
                )
                compacted = compacted or compacted_now
                for e in events:
                    if e.kind in _CHANGED_FILES and e.photo_id:
                        photos.add(e.photo_id)
                    elif e.kind is Change.ALBUM_CHANGED and "presets" in e.data:
                        self.all_finals = True  # its presets chosen anew: some may be back
                    journal_mark = max(journal_mark, e.seq or 0)
                if not events:
                    break
            if compacted:
                photos = None
        versions: list[LocalVersion] = []
        if photos is None or photos:
            versions = await self.s.drive.local_versions(self.actor, state.album_id, photos)
        if photos is None or photos or self.all_finals:
            versions += await self.s.drive.local_finals(
                self.actor, state.album_id, None if self.all_finals else photos
            )
        local = {
            v.slot: LocalFile(v.slot, v.path, v.filename, v.content_hash)
            for v in versions
            if v.path.exists()
        }
        return local, photos, journal_mark

    async def _read_base(
        self,
        *,
        full: bool,
        photos: set[uuid.UUID] | None = None,
        remote: list[RemoteFile] | None = None,
        removed: set[str] | None = None,
    ) -> None:
        """The last synced state of what this run may touch: all of it on a first sync, or when
        a file came into Drive without our appProperties (it is matched by name); else only the
        rows of the photos and Drive files the two feeds named."""
        state, remote = self.state, remote or []
        album = str(state.album_id)
        known = {r.id for r in remote if r.app_properties.get(ALBUM) == album}
        strangers = [r for r in remote if r.id not in known and not r.is_folder]
        if full or strangers:
            whole = await self.s.drive.begin(self.actor, state.album_id, full=True)
            state.synced, state.stems = whole.synced, whole.stems
            return
        photo_ids = set(photos or ())
        for r in remote:
            slot = slot_of(r.app_properties, state.album_id)
            if slot is not None:
                photo_ids.add(slot[0])
        state.synced = await self.s.drive.synced(
            self.actor,
            state.album_id,
            photo_ids=photo_ids,
            file_ids=_ids(remote) | (removed or set()),
            all_finals=self.all_finals,
        )

    # --- applying the plan -------------------------------------------------------------------

    async def _apply(self, plan: Plan) -> None:
        total = (
            len(plan.renames)
            + len(plan.adopts)
            + len(plan.downloads)
            + len(plan.conflicts)
            + len(plan.uploads)
            + len(plan.deletions)
        )
        self.total = total
        for r in plan.renames:
            await self._rename(r)
        for a in plan.adopts:
            await self._adopt(a)
        if plan.downloads:
            await self._downloads(plan.downloads)
        for c in plan.conflicts:
            await self._keep_both(c)
        for folder in sorted({u.folder for u in plan.uploads}):
            await self._folder_id(folder)  # made once, before the uploads that go in at once
        window = asyncio.Semaphore(TRANSFERS)

        async def one(u: Upload) -> None:
            async with window:
                await self._upload(u)

        await asyncio.gather(*(one(u) for u in plan.uploads))
        for d in plan.deletions:
            await self._delete(d)

    async def _step_done(self, state: str) -> None:
        self.report.done += 1
        self._tell(state, self.report.done, self.total)
        # Kept in the catalog about once a second, so that a desktop sees a command line's run
        # ("uploading 12 of 240") too.
        now = time.monotonic()
        if now - self._shown >= 1.0:
            self._shown = now
            await self.s.drive.show(
                self.actor, self.state.album_id, state, None, self.report.done, self.total
            )

    async def _record(self, step: str, synced: SyncedFile, **detail: Any) -> None:
        await self.s.drive.record(self.actor, self.state.album_id, step, synced, detail=detail)

    async def _rename(self, r: Rename) -> None:
        base = self.state.synced[r.slot]
        await self._record(
            "rename",
            _synced(r.slot, base.content_hash, r.remote, r.folder),
            was=f"{base.folder}/{base.name}",
        )
        await self._step_done("syncing")

    async def _adopt(self, a: Adopt) -> None:
        remote = a.remote
        if slot_of(remote.app_properties, self.state.album_id) != a.slot:
            remote = await self.drive.update(
                remote.id, app_properties=properties(self.state.album_id, a.slot)
            )
        await self._record("adopt", _synced(a.slot, a.local.content_hash, remote, a.folder))
        await self._step_done("syncing")

    async def _upload(self, u: Upload) -> None:
        slot, local = u.slot, u.local
        parent = await self._folder_id(u.folder)
        photo_id, kind, round_, preset = slot
        at = f"{photo_id}:{kind}:{round_}" + (f":{preset}" if preset else "")
        key = f"{self.state.album_id}:{at}:{local.content_hash}"
        args: dict[str, Any] = dict(
            name=local.name,
            parent_id=parent,
            app_properties=properties(self.state.album_id, slot),
            resume_key=key,
        )
        try:
            remote = await self.drive.upload(local.path, file_id=u.file_id, **args)
        except DriveNotFound:
            if u.file_id is None:
                raise
            remote = await self.drive.upload(local.path, **args)  # gone from Drive meanwhile
        except FileNotFoundError:
            self.report.problems.append(f"{local.name} is no longer in the library; not sent.")
            return
        await self._record("upload", _synced(slot, local.content_hash, remote, u.folder))
        await self._step_done("uploading")

    async def _downloads(self, downloads: list[Download]) -> None:
        """Download what came in, then take it in through the import, one import per version
        kind: the workflow's rules and the user's role are checked as for any import."""
        by_kind: dict[str, list[tuple[Download, Path]]] = {}
        for d in downloads:
            dest = self.sync.incoming / d.remote.id / d.remote.name
            try:
                await self.drive.download(d.remote.id, dest, md5=d.remote.md5 or "")
            except (DriveNotFound, DriveChecksumMismatch) as exc:
                self.clean = False
                self.report.problems.append(f"{d.folder}/{d.remote.name}: {exc}")
                continue
            by_kind.setdefault(d.kind, []).append((d, dest))
            self._tell("downloading", self.report.done, self.total)
        for kind, items in by_kind.items():
            try:
                result = await self.s.imports.run(
                    self.actor, self.state.album_id, [p for _d, p in items], kind
                )
            except PhotoFlowError as exc:
                names = ", ".join(d.remote.name for d, _p in items)
                self.report.problems.append(f"{names} from Drive not taken in: {exc}")
                continue
            imported = dict(zip(result.imported, result.photo_ids, strict=False))
            failed = {f.path: f.reason for f in result.failed}
            for d, path in items:
                await self._took_in(d, path, imported.get(str(path)), failed.get(str(path)))
        for _kind, items in by_kind.items():
            for _d, path in items:
                shutil.rmtree(path.parent, ignore_errors=True)

    async def _took_in(
        self, d: Download, path: Path, photo_id: uuid.UUID | None, failure: str | None
    ) -> None:
        r = d.remote
        if failure is not None:
            self.report.problems.append(f"{d.folder}/{r.name} from Drive not taken in: {failure}")
            return
        pid = photo_id or (d.slot[0] if d.slot else None)
        slot: Slot | None = Slot(pid, d.kind, d.round) if pid else None
        version = await self._version(slot) if slot else None
        if slot is None or version is None:
            self.report.problems.append(
                f"{d.folder}/{r.name} from Drive is the same picture as one already in the "
                f"album; it was left in Drive."
            )
            return
        if r.app_properties.get(ALBUM) != str(self.state.album_id):
            r = await self.drive.update(r.id, app_properties=properties(self.state.album_id, slot))
        await self._record("download", _synced(slot, version.content_hash, r, d.folder))
        await self._step_done("downloading")

    async def _version(self, slot: Slot) -> LocalVersion | None:
        read = self.s.drive.local_finals if slot.kind == "final" else self.s.drive.local_versions
        for v in await read(self.actor, self.state.album_id, {slot.photo_id}):
            if v.slot == slot:
                return v
        return None

    async def _keep_both(self, c: KeepBoth) -> None:
        """Drive's copy becomes a named conflict copy, there and here; ours goes up as the
        version."""
        r = c.remote
        name = conflict_name(r.name, r.modified, r.modified_by)
        here = album_folder(self.s.paths.library, self.state.album_id) / "drive-conflicts" / name
        try:
            if not here.exists():
                await self.drive.download(r.id, here, md5=r.md5 or "")
            await self.drive.update(r.id, name=name, app_properties={CONFLICT: "1"})
        except (DriveNotFound, DriveChecksumMismatch) as exc:
            self.clean = False
            self.report.problems.append(f"{r.name}: {exc}")
            return
        await self.s.drive.record_conflict(
            self.actor,
            self.state.album_id,
            photo_id=c.slot[0],
            kind=c.slot[1],
            round_=c.slot[2],
            name=name,
            drive_file_id=r.id,
            library_path=here,
            reason=c.reason,
        )
        await self._step_done("syncing")
        local = c.local
        if local is None:
            version = await self._version(c.slot)
            if version is None:
                return
            local = LocalFile(c.slot, version.path, version.filename, version.content_hash)
        await self._upload(Upload(c.slot, local, None, folder_of(c.slot)))

    async def _delete(self, d: Deletion) -> None:
        base = d.base
        if d.side == "here":
            with contextlib.suppress(DriveNotFound):
                await self.drive.trash(base.drive_file_id)
        tomb = replace(base, deleted_on=d.side)
        await self._record("deleted", tomb, side=d.side)
        await self._step_done("syncing")

    async def _folder_id(self, path: str) -> str:
        """The Drive id of a folder of the album (`Retouched/Round 3`), made if missing."""
        if path in self.folders:
            return self.folders[path]
        parent_path, _, name = path.rpartition("/")
        parent = self.folders[""] if not parent_path else await self._folder_id(parent_path)
        folder = await self.drive.find_or_create_folder(name, parent)
        self.folders[path] = folder.id
        # Remembered now (the album's row exists since its first listing), so that what people
        # put into it later is seen in the changes feed: `Final/<preset>` folders are made here.
        await self.s.drive.save_folders(
            self.actor, self.state.album_id, self.folders[""], self.folders
        )
        return folder.id

    # --- telling -----------------------------------------------------------------------------

    def _tell(self, state: str, done: int = 0, total: int = 0, message: str | None = None) -> None:
        self.sync.progress(SyncProgress(self.state.name, state, done, total, message))

    async def _pause(self, exc: DriveError) -> SyncReport:
        message = str(exc) or type(exc).__name__
        self.report.paused = message
        if self.state.folder_id is not None or "" in self.folders:
            try:
                await self.s.drive.show(self.actor, self.state.album_id, "paused", message)
            except PhotoFlowError:
                log.exception("could not show the paused state")
        self._tell("paused", message=message)
        return self.report


def _ids(remote: list[RemoteFile]) -> set[str]:
    return {r.id for r in remote}


def _synced(slot: Slot, content_hash: str | None, r: RemoteFile, folder: str) -> SyncedFile:
    photo_id, kind, round_, preset = slot
    return SyncedFile(
        photo_id, kind, round_, content_hash, r.id, r.md5, r.version, r.name, folder, None, preset
    )


async def _with_md5(local: LocalFile) -> LocalFile:
    def md5() -> str:
        digest = hashlib.md5(usedforsecurity=False)
        with local.path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()

    return LocalFile(
        local.slot, local.path, local.name, local.content_hash, await asyncio.to_thread(md5)
    )


__all__ = ["AlbumSync", "SyncProgress", "SyncReport"]
