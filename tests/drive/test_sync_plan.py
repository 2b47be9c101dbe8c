"""The three-way comparison's rules, on plain values (sync/drive/plan.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from core.services.drive_state import Slot, SyncedFile
from sync.drive.layout import conflict_name, folder_for, properties, version_of_folder
from sync.drive.plan import LocalFile, Sides, make_plan
from sync.drive.remote import RemoteFile

ALBUM = uuid.uuid4()
FOLDERS = {"Originals": "f-orig", "Stock": "f-stock", "Retouched/Round 2": "f-r2", "Final": "f-fin"}
WHEN = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def photo(n: int) -> uuid.UUID:
    return uuid.UUID(int=n + 1)


def synced(n: int, kind: str = "original", round_: int = 0, **kw: object) -> SyncedFile:
    values = dict(
        photo_id=photo(n),
        kind=kind,
        round=round_,
        content_hash=f"h{n}",
        drive_file_id=f"d{n}-{kind}",
        md5=f"m{n}",
        drive_version=1,
        name=f"IMG_{n:04}.jpg",
        folder=folder_for(kind, round_),
    )
    values.update(kw)
    return SyncedFile(**values)  # type: ignore[arg-type]


def local(n: int, kind: str = "original", round_: int = 0, h: str | None = None, md5=None):
    return LocalFile(
        Slot(photo(n), kind, round_),
        Path(f"/lib/IMG_{n:04}.jpg"),
        f"IMG_{n:04}.jpg",
        h or f"h{n}",
        md5,
    )


def remote(n: int, kind: str = "original", round_: int = 0, *, md5=None, props=True, **kw):
    values = dict(
        id=f"d{n}-{kind}",
        name=f"IMG_{n:04}.jpg",
        parents=(FOLDERS[folder_for(kind, round_)],),
        mime_type="image/jpeg",
        md5=md5 or f"m{n}",
        size=10,
        version=2,
        modified=WHEN,
        trashed=False,
        app_properties=properties(ALBUM, Slot(photo(n), kind, round_)) if props else {},
    )
    values.update(kw)
    return RemoteFile(**values)  # type: ignore[arg-type]


def sides(base: list[SyncedFile], **kw: object) -> Sides:
    stems = {f"img_{n:04}": photo(n) for n in range(200)}
    return Sides(ALBUM, {b.slot: b for b in base}, FOLDERS, stems, **kw)  # type: ignore[arg-type]


def test_first_sync_uploads_every_local_version():
    files = {local(n).slot: local(n) for n in range(3)}
    plan = make_plan(sides([], local=files), delete_limit=50)
    assert len(plan.uploads) == 3 and all(u.file_id is None for u in plan.uploads)
    assert plan.uploads[0].folder == "Originals"


def test_nothing_changed_is_an_empty_plan():
    base = [synced(n) for n in range(10)]
    plan = make_plan(
        sides(base, local={b.slot: local(i) for i, b in enumerate(base)}), delete_limit=5
    )
    assert plan.empty


def test_an_empty_listing_deletes_nothing():
    base = [synced(n) for n in range(10)]
    plan = make_plan(sides(base, remote=[]), delete_limit=50)
    assert plan.empty and plan.stopped is None


def test_changed_on_both_sides_keeps_both():
    base = [synced(1, "stock")]
    plan = make_plan(
        sides(
            base,
            local={base[0].slot: local(1, "stock", h="new-here", md5="x")},
            remote=[remote(1, "stock", md5="new-there")],
        ),
        delete_limit=50,
    )
    assert len(plan.conflicts) == 1 and not plan.uploads and not plan.downloads


def test_same_bytes_on_both_sides_is_adopted_not_a_conflict():
    base = [synced(1, "stock")]
    plan = make_plan(
        sides(
            base,
            local={base[0].slot: local(1, "stock", h="new", md5="same")},
            remote=[remote(1, "stock", md5="same")],
        ),
        delete_limit=50,
    )
    assert len(plan.adopts) == 1 and not plan.conflicts


def test_changed_here_deleted_in_drive_keeps_the_change():
    base = [synced(1, "stock")]
    plan = make_plan(
        sides(base, local={base[0].slot: local(1, "stock", h="new")}, removed={"d1-stock"}),
        delete_limit=50,
    )
    assert [u.file_id for u in plan.uploads] == [None] and not plan.deletions


def test_changed_in_drive_deleted_here_keeps_the_change():
    base = [synced(1, "stock")]
    plan = make_plan(
        sides(base, local_gone={base[0].slot}, remote=[remote(1, "stock", md5="new")]),
        delete_limit=50,
    )
    assert len(plan.downloads) == 1 and not plan.deletions


def test_an_original_changed_in_drive_is_kept_beside_ours():
    base = [synced(1)]
    plan = make_plan(sides(base, remote=[remote(1, md5="other")]), delete_limit=50)
    assert len(plan.conflicts) == 1 and not plan.downloads


def test_deleted_in_drive_is_a_deletion_and_a_tombstone_stays_deleted():
    base = [synced(n) for n in range(10)]
    plan = make_plan(sides(base, removed={"d1-original"}), delete_limit=50)
    assert [(d.side, d.slot) for d in plan.deletions] == [("drive", base[1].slot)]
    tomb = [synced(1, deleted_on="drive")]
    again = make_plan(sides(tomb, local={tomb[0].slot: local(1)}), delete_limit=50)
    assert again.empty


def test_deletions_above_the_limit_stop_and_ask():
    base = [synced(n) for n in range(10)]
    gone = {f"d{n}-original" for n in range(6)}
    plan = make_plan(sides(base, removed=gone), delete_limit=50)
    assert plan.stopped and "6 of 10" in plan.stopped and "--allow-deletions" in plan.stopped
    assert (
        make_plan(sides(base, removed=gone), delete_limit=50, allow_deletions=True).stopped is None
    )
    assert make_plan(sides(base, removed={"d1-original", "d2-original"}), delete_limit=1).stopped


def test_a_retouch_dropped_in_drive_becomes_that_rounds_version():
    dropped = remote(7, "retouched", 2, props=False, id="new", name="IMG_0007_edit.jpg")
    plan = make_plan(sides([], remote=[dropped]), delete_limit=50, album_round=2)
    [d] = plan.downloads
    assert (d.slot, d.kind, d.round) == (Slot(photo(7), "retouched", 2), "retouched", 2)
    wrong = make_plan(sides([], remote=[dropped]), delete_limit=50, album_round=1)
    assert not wrong.downloads and "round 1" in wrong.problems[0]
    stranger = remote(7, "retouched", 2, props=False, id="x", name="DSC_9.jpg")
    assert (
        "no photo named like DSC_9"
        in make_plan(sides([], remote=[stranger]), delete_limit=50, album_round=2).problems[0]
    )


def test_a_rename_or_move_in_drive_is_followed_by_its_properties():
    base = [synced(3, "stock")]
    moved = remote(3, "stock", name="Bride and groom.jpg", parents=("f-fin",))
    plan = make_plan(sides(base, remote=[moved]), delete_limit=50)
    [r] = plan.renames
    assert (r.remote.name, r.folder) == ("Bride and groom.jpg", "Final") and not plan.downloads


def test_layout_names():
    assert folder_for("retouched", 3) == "Retouched/Round 3"
    assert version_of_folder("Retouched/Round 12") == ("retouched", 12)
    assert version_of_folder("Originals") == ("original", 0) and version_of_folder("x") is None
    assert conflict_name("IMG_0001.jpg", WHEN, "Ana") == "IMG_0001 (conflict 2026-12-02 Ana).jpg"


def test_a_file_taken_in_before_a_kill_lost_its_record_is_recorded_not_sent_back():
    # Dropped in Drive, imported here, then killed: the same bytes on both sides, no base.
    dropped = remote(7, "retouched", 2, props=False, id="new", name="IMG_0007_edit.jpg", md5="s")
    here = local(7, "retouched", 2, h="imported", md5="s")
    plan = make_plan(
        sides([], local={here.slot: here}, remote=[dropped]), delete_limit=50, album_round=2
    )
    assert [a.remote.id for a in plan.adopts] == ["new"]
    assert not plan.uploads and not plan.downloads and not plan.conflicts
