"""The three-way comparison's rules for finals (one per photo and export preset, made here and
sent to `Final/<preset>` in Drive, never taken in), on plain values (sync/drive/plan.py)."""

from __future__ import annotations

from pathlib import Path

from core.services.drive_state import Slot, SyncedFile
from sync.drive.layout import folder_of, properties, slot_of
from sync.drive.plan import LocalFile, make_plan
from sync.drive.remote import RemoteFile
from tests.drive.test_sync_plan import ALBUM, FOLDERS, WHEN, photo, sides

PRINT, WEB = "print", "web-2048-px"
PARENTS = {**FOLDERS, f"Final/{PRINT}": "f-print", f"Final/{WEB}": "f-web"}


def slot(n: int, preset: str = PRINT) -> Slot:
    return Slot(photo(n), "final", 0, preset)


def name(n: int, preset: str = PRINT) -> str:
    return f"Wedding-{n:03}{'-web' if preset == WEB else ''}.jpg"


def synced(n: int, preset: str = PRINT, **kw: object) -> SyncedFile:
    values = dict(
        photo_id=photo(n),
        kind="final",
        round=0,
        content_hash=f"h{n}{preset}",
        drive_file_id=f"d{n}-{preset}",
        md5=f"m{n}{preset}",
        drive_version=1,
        name=name(n, preset),
        folder=f"Final/{preset}",
        preset=preset,
    )
    values.update(kw)
    return SyncedFile(**values)  # type: ignore[arg-type]


def local(n: int, preset: str = PRINT, h: str | None = None, filename: str | None = None):
    return LocalFile(
        slot(n, preset),
        Path(f"/lib/final/{preset}/{n}.jpg"),
        filename or name(n, preset),
        h or f"h{n}{preset}",
    )


def remote(n: int, preset: str = PRINT, *, md5: str | None = None, props: bool = True, **kw):
    values = dict(
        id=f"d{n}-{preset}",
        name=name(n, preset),
        parents=(PARENTS[f"Final/{preset}"],),
        mime_type="image/jpeg",
        md5=md5 or f"m{n}{preset}",
        size=10,
        version=2,
        modified=WHEN,
        trashed=False,
        app_properties=properties(ALBUM, slot(n, preset)) if props else {},
    )
    values.update(kw)
    return RemoteFile(**values)  # type: ignore[arg-type]


def finals_sides(base: list[SyncedFile], **kw: object):
    s = sides(base, **kw)
    s.folders = PARENTS
    return s


def test_a_photos_finals_go_each_to_its_presets_folder():
    here = {lf.slot: lf for lf in (local(1), local(1, WEB), local(2))}
    plan = make_plan(finals_sides([], local=here), delete_limit=50)
    assert sorted((u.folder, u.local.name, u.file_id) for u in plan.uploads) == [
        ("Final/print", "Wedding-001.jpg", None),
        ("Final/print", "Wedding-002.jpg", None),
        ("Final/web-2048-px", "Wedding-001-web.jpg", None),
    ]
    assert folder_of(slot(1, WEB)) == "Final/web-2048-px" and folder_of(Slot(photo(1), "stock", 0))


def test_the_slot_says_the_preset_in_drive_and_back():
    props = properties(ALBUM, slot(4, WEB))
    assert props["photoflow_kind"] == "final" and props["photoflow_preset"] == WEB
    assert slot_of(props, ALBUM) == slot(4, WEB)
    assert slot_of({k: v for k, v in props.items() if k != "photoflow_preset"}, ALBUM) is None
    assert properties(ALBUM, Slot(photo(4), "original", 0)).keys() == {
        "photoflow_album",
        "photoflow_photo",
        "photoflow_kind",
        "photoflow_round",
    }


def test_a_final_made_again_updates_the_same_drive_file_under_its_new_name():
    base = [synced(1), synced(2)]
    remade = local(1, h="new-bytes")
    renamed = local(2, filename="IMG_0002.jpg")  # the preset's rename template changed
    plan = make_plan(
        finals_sides(base, local={remade.slot: remade, renamed.slot: renamed}), delete_limit=50
    )
    assert sorted((u.file_id, u.local.name) for u in plan.uploads) == [
        ("d1-print", "Wedding-001.jpg"),
        ("d2-print", "IMG_0002.jpg"),
    ]
    same = make_plan(finals_sides(base, local={slot(1): local(1)}), delete_limit=50)
    assert same.empty


def test_a_final_no_longer_current_goes_to_drives_trash_within_the_limit():
    base = [synced(n, p) for n in range(4) for p in (PRINT, WEB)]
    dropped = {slot(n, WEB) for n in range(4)}
    kept = {slot(n): local(n) for n in range(4)}
    plan = make_plan(finals_sides(base, local=kept, local_gone=dropped), delete_limit=50)
    assert sorted((d.side, d.base.name) for d in plan.deletions) == [
        ("here", name(n, WEB)) for n in range(4)
    ]
    assert not plan.uploads and plan.stopped is None
    over = make_plan(finals_sides(base, local=kept, local_gone=dropped), delete_limit=3)
    assert over.stopped and "4 of 8" in over.stopped


def test_a_file_put_into_final_in_drive_is_left_there_with_a_problem():
    for parent, folder in (("f-fin", "Final"), ("f-web", f"Final/{WEB}")):
        dropped = remote(1, WEB, props=False, id="theirs", name="IMG_0001.jpg", parents=(parent,))
        plan = make_plan(finals_sides([], remote=[dropped]), delete_limit=50)
        assert plan.empty and plan.problems == [
            f"{folder}/IMG_0001.jpg: finals are made by PhotoFlow, so a file put into Final in "
            "Drive is not taken in; it was left in Drive."
        ]


def test_a_final_changed_in_drive_keeps_ours_and_theirs_as_a_conflict_copy():
    base = [synced(1)]
    plan = make_plan(finals_sides(base, remote=[remote(1, md5="edited")]), delete_limit=50)
    [c] = plan.conflicts
    assert c.slot == slot(1) and "a final changed in Drive" in c.reason and not plan.downloads
    # One of ours we have no record of (its preset gone before the record was made): left there.
    stray = make_plan(finals_sides([], remote=[remote(3, WEB)]), delete_limit=50)
    assert stray.empty and "not taken in" in stray.problems[0]


def test_a_final_deleted_in_drive_is_a_tombstone_and_is_not_sent_again_unless_it_changes():
    base = [synced(n) for n in range(6)]
    plan = make_plan(finals_sides(base, removed={"d1-print"}), delete_limit=50)
    assert [(d.side, d.slot) for d in plan.deletions] == [("drive", slot(1))]
    tomb = [synced(1, deleted_on="drive")]
    assert make_plan(finals_sides(tomb, local={slot(1): local(1)}), delete_limit=50).empty
    changed = make_plan(finals_sides(tomb, local={slot(1): local(1, h="new")}), delete_limit=50)
    assert [(u.file_id, u.folder) for u in changed.uploads] == [(None, "Final/print")]


def test_a_dropped_presets_final_goes_up_again_when_the_preset_is_back():
    tomb = [synced(1, WEB, deleted_on="here")]
    plan = make_plan(finals_sides(tomb, local={slot(1, WEB): local(1, WEB)}), delete_limit=50)
    assert [(u.file_id, u.folder) for u in plan.uploads] == [(None, "Final/web-2048-px")]


def test_a_final_renamed_or_moved_in_drive_is_followed():
    moved = remote(2, name="First dance.jpg", parents=("f-fin",))
    plan = make_plan(finals_sides([synced(2)], remote=[moved]), delete_limit=50)
    [r] = plan.renames
    assert (r.slot, r.remote.name, r.folder) == (slot(2), "First dance.jpg", "Final")
    assert not plan.problems and not plan.conflicts
