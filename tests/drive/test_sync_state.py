"""What Drive sync remembers (services.drive): one audited call per step, and on PostgreSQL
another studio's Drive rows stay out of sight."""

from __future__ import annotations

import uuid

from core.services.drive_state import Slot, SyncedFile
from tests.conftest import Studio


def _file(photo: uuid.UUID, **kw: object) -> SyncedFile:
    values = dict(
        photo_id=photo,
        kind="original",
        round=0,
        content_hash="abc",
        drive_file_id="drive-1",
        md5="m1",
        drive_version=3,
        name="IMG_0001.jpg",
        folder="Originals",
    )
    values.update(kw)
    return SyncedFile(**values)  # type: ignore[arg-type]


async def test_steps_are_remembered_audited_and_kept_to_their_studio(studio: Studio):
    s, pia = studio.services, studio.photographer
    album = await s.albums.create(pia, "Wedding Ana")
    await s.drive.save_folders(
        pia, album.id, "folder-1", {"Originals": "o-1"}, account="pia@lumen.test", page_token="7"
    )
    photo = uuid.uuid4()
    await s.drive.record(pia, album.id, "upload", _file(photo))
    await s.drive.record(pia, album.id, "deleted", _file(photo, deleted_on="drive"))
    await s.drive.record_conflict(
        pia,
        album.id,
        photo_id=photo,
        kind="stock",
        round_=0,
        name="IMG_0001 (conflict 2026-12-02 Drive).jpg",
        drive_file_id="drive-2",
        library_path=None,
        reason="changed here and in Drive",
    )
    await s.drive.finish(
        pia, album.id, page_token="9", journal_seq=4, summary={"uploads": 1}, problems=[]
    )

    state = await s.drive.begin(pia, "Wedding Ana")
    assert (state.folder_id, state.page_token, state.journal_seq) == ("folder-1", "9", 4)
    [kept] = state.synced.values()
    assert kept.deleted_on == "drive" and kept.drive_file_id == "drive-1"
    [status] = await s.drive.status(pia)
    assert (status.album, status.words) == ("Wedding Ana", "1 conflict")
    assert [c.name for c in await s.drive.conflicts(pia)] == [
        "IMG_0001 (conflict 2026-12-02 Drive).jpg"
    ]
    actions = [e.action for e in await s.audit.events(studio.studio_admin, album="Wedding Ana")]
    for action in ("drive.folders", "drive.upload", "drive.deleted", "drive.conflict"):
        assert action in actions

    # Another studio sees none of it (row-level security on PostgreSQL, the tenant on both).
    other = await s.tenants.create(studio.admin, "Other Studio", "boss@other.test")
    boss = await s.users.actor_for("boss@other.test", studio=other.name)
    assert await s.drive.status(boss) == [] and await s.drive.conflicts(boss) == []


async def test_a_photos_finals_are_remembered_one_per_preset(studio: Studio):
    s, pia = studio.services, studio.photographer
    album = await s.albums.create(pia, "Wedding Bo")
    await s.drive.save_folders(pia, album.id, "folder-1", {})
    photo = uuid.uuid4()
    await s.drive.record(pia, album.id, "upload", _file(photo))
    for preset, md5 in (("print", "m1"), ("web", "m1"), ("web", "m2")):
        final = _file(photo, kind="final", preset=preset, md5=md5, drive_file_id=f"d-{preset}")
        await s.drive.record(pia, album.id, "upload", final)
    print_, web = Slot(photo, "final", 0, "print"), Slot(photo, "final", 0, "web")
    state = await s.drive.begin(pia, album.id)
    assert sorted(state.synced) == [
        Slot(photo, "final", 0, "print"),
        web,
        Slot(photo, "original", 0),
    ]
    assert state.synced[web].md5 == "m2" and state.synced[print_].drive_file_id == "d-print"
    finals = await s.drive.synced(pia, album.id, photo_ids=set(), file_ids=set(), all_finals=True)
    assert sorted(finals) == [print_, web]
