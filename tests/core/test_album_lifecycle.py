"""An album from Raw to Final through the services, by the right roles, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bootstrap import context_of
from core.errors import Invalid, NotPermitted, Refused
from core.workflow import Stage
from tests.conftest import Studio
from tests.images import make_jpeg, make_shoot


async def refusal_codes(coro: object) -> list[str]:
    with pytest.raises(Refused) as err:
        await coro  # type: ignore[misc]
    return [r.code for r in err.value.refusals]


async def test_raw_to_final_with_a_second_round(studio: Studio, tmp_path: Path) -> None:
    s, pia, ed, ada = studio.services, studio.photographer, studio.editor, studio.studio_admin
    album = await s.albums.create(
        pia, "Smith Wedding", client="J. Smith", min_select=2, max_select=3
    )
    assert (album.stage, album.round) == (Stage.RAW, 1)
    assert await refusal_codes(s.albums.advance(pia, album.id)) == ["raw.no_photos"]

    make_shoot(tmp_path / "card", 4)
    (tmp_path / "card" / "broken.jpg").write_bytes(b"")
    report = await s.imports.run(pia, album.id, [tmp_path / "card"])
    assert len(report.imported) == 4
    assert [f.reason for f in report.failed] == ["empty file (0 bytes)"]
    shown = await s.albums.show(pia, "Smith Wedding")
    assert [r.code for r in shown.blocking] == ["raw.unresolved_failures"]
    assert "broken.jpg" in shown.blocking[0].message
    await s.albums.resolve_failures(pia, album.id, "card glitch, checked")
    album = await s.albums.advance(pia, album.id)
    assert album.stage is Stage.STOCK

    # JPEG originals count as stock, so Stock is passable at once.
    album = await s.albums.advance(pia, album.id)
    assert album.stage is Stage.RATE
    assert await refusal_codes(s.albums.advance(pia, album.id)) == ["rate.nothing_selected"]
    await s.photos.select(pia, album.id, "IMG_0001.jpg")
    assert await refusal_codes(s.albums.advance(pia, album.id)) == ["rate.too_few_selected"]
    for name in ("IMG_0002.jpg", "IMG_0003", "IMG_0004.jpg"):
        await s.photos.select(pia, album.id, name)
    assert await refusal_codes(s.albums.advance(pia, album.id)) == ["rate.too_many_selected"]
    await s.photos.select(pia, album.id, "IMG_0004.jpg", False)
    album = await s.albums.advance(pia, album.id)
    assert (album.stage, album.selected_count) == (Stage.RETOUCH, 3)

    with pytest.raises(Refused) as err:
        await s.albums.advance(pia, album.id)
    [missing] = err.value.refusals
    assert missing.code == "retouch.missing_retouch"
    assert missing.message == (
        "3 selected photos have no retouched version: IMG_0001.jpg, IMG_0002.jpg, IMG_0003.jpg"
    )
    with pytest.raises(NotPermitted):
        await s.albums.advance(ed, album.id)

    retouched = [
        make_jpeg(tmp_path / "rt" / f"IMG_000{i}_retouched.jpg", colour=100 + i) for i in (1, 2, 3)
    ]
    report = await s.imports.run(ed, album.id, retouched, kind="retouched")
    assert len(report.imported) == 3 and not report.failed
    album = await s.albums.advance(pia, album.id)
    assert album.stage is Stage.FEEDBACK

    await s.photos.decide(ada, album.id, "IMG_0001.jpg", approve=True)
    await s.photos.decide(ada, album.id, "IMG_0002.jpg", approve=True)
    await s.photos.decide(ada, album.id, "IMG_0003.jpg", approve=False, note="softer skin")
    assert await refusal_codes(s.albums.advance(pia, album.id)) == [
        "feedback.not_approved",
        "feedback.open_change_requests",
    ]
    album = await s.albums.advance(ed, album.id, Stage.RETOUCH)
    assert (album.stage, album.round) == (Stage.RETOUCH, 2)
    assert await refusal_codes(s.albums.advance(pia, album.id)) == [
        "retouch.change_requests_unanswered"
    ]
    v2 = make_jpeg(tmp_path / "rt2" / "IMG_0003-edit-v2.jpg", colour=200)
    report = await s.imports.run(ed, album.id, [v2], kind="retouched")
    assert len(report.imported) == 1
    album = await s.albums.advance(pia, album.id)
    assert album.stage is Stage.FEEDBACK
    assert [r.code for r in album.blocking] == ["feedback.not_approved"]
    assert [p.filename for p in album.blocking[0].photos] == ["IMG_0003.jpg"]
    await s.photos.decide(ada, album.id, "IMG_0003.jpg", approve=True)
    album = await s.albums.advance(pia, album.id)
    assert album.stage is Stage.FINAL
    assert await refusal_codes(s.albums.advance(pia, album.id)) == ["final.terminal"]

    with pytest.raises(NotPermitted):
        await s.albums.reopen(pia, album.id, Stage.FEEDBACK, "client wants one more")
    with pytest.raises(Invalid):
        await s.albums.reopen(ada, album.id, Stage.FEEDBACK, "  ")
    album = await s.albums.reopen(ada, album.id, Stage.FEEDBACK, "client wants one more")
    assert (album.stage, album.round) == (Stage.FEEDBACK, 2)

    events = await s.audit.events(ada, album=album.id, limit=1000)
    advances = [e for e in events if e.action == "album.advance"]
    assert {e.outcome for e in advances} == {"ok", "refused", "denied"}
    assert all(e.duration_ms > 0 for e in events)
    refused = [e for e in advances if e.outcome == "refused"]
    assert any("rate.too_many_selected" in e.detail.get("refusals", []) for e in refused)
    reopen = next(e for e in events if e.action == "album.reopen" and e.outcome == "ok")
    assert reopen.detail["reason"] == "client wants one more"
    assert reopen.actor == "ada@lumen.test"


async def test_stock_needs_a_stock_version_for_raw_originals(
    studio: Studio, tmp_path: Path
) -> None:
    s, pia = studio.services, studio.photographer
    album = await s.albums.create(pia, "Raw shoot")
    # A tiny, fully decodable RAW file from the shared photos, copied under two names.
    raw = Path(__file__).resolve().parents[2].parent / "shared" / "photos" / "RAW_KODAK_DC50.KDC"
    card = tmp_path / "card"
    card.mkdir()
    (card / "DSC_0001.KDC").write_bytes(raw.read_bytes())
    (card / "DSC_0002.KDC").write_bytes(raw.read_bytes() + b"\0")
    report = await s.imports.run(pia, album.id, [card])
    assert len(report.imported) == 2, report.failed
    await s.albums.advance(pia, album.id)
    with pytest.raises(Refused) as err:
        await s.albums.advance(pia, album.id)
    assert (
        err.value.refusals[0].message
        == "2 photos have no stock version: DSC_0001.KDC, DSC_0002.KDC"
    )
    await s.photos.flag(pia, album.id, "DSC_0002.KDC", "reject")
    stock = make_jpeg(tmp_path / "stock" / "DSC_0001.jpg")
    report = await s.imports.run(pia, album.id, [stock], kind="stock")
    assert len(report.imported) == 1
    album = await s.albums.advance(pia, album.id)
    assert album.stage is Stage.RATE


async def second_round_with_a_change_request(studio: Studio, tmp_path: Path, name: str):  # type: ignore[no-untyped-def]
    """One selected photo, retouched once, sent back by the client: Retouch, round 2."""
    s, pia, ed, ada = studio.services, studio.photographer, studio.editor, studio.studio_admin
    album = await s.albums.create(pia, name)
    make_shoot(tmp_path / "card", 1)
    await s.imports.run(pia, album.id, [tmp_path / "card"])
    await s.photos.select(pia, album.id, "IMG_0001.jpg")
    await s.albums.advance(pia, album.id, Stage.RETOUCH)
    r1 = make_jpeg(tmp_path / "r1" / "IMG_0001_rt.jpg", colour=9)
    await s.imports.run(ed, album.id, [r1], kind="retouched")
    await s.albums.advance(pia, album.id)
    await s.photos.decide(ada, album.id, "IMG_0001.jpg", approve=False, note="less grain")
    await s.albums.advance(ed, album.id, Stage.RETOUCH)
    return album


async def test_a_retouch_cut_short_answers_nothing(studio: Studio, tmp_path: Path) -> None:
    """A damaged file is withdrawn after the preview pass, and with it what it seemed to settle."""
    s, pia, ed = studio.services, studio.photographer, studio.editor
    album = await second_round_with_a_change_request(studio, tmp_path, "Fragile")

    good = make_jpeg(tmp_path / "r2" / "full.jpg", size=(1200, 900), colour=77).read_bytes()
    cut = tmp_path / "r2" / "IMG_0001_rt2.jpg"
    cut.write_bytes(good[: len(good) // 2])
    report = await s.imports.run(ed, album.id, [cut], kind="retouched")
    assert [f.reason for f in report.failed] == ["the JPEG is cut short"]
    assert report.imported == []
    with pytest.raises(Refused) as err:
        await s.albums.advance(pia, album.id)
    assert [r.code for r in err.value.refusals] == ["retouch.change_requests_unanswered"]
    detail = await s.photos.detail(pia, album.id, "IMG_0001.jpg")
    assert [(v.kind, v.round) for v in detail.versions] == [("original", 0), ("retouched", 1)]


async def test_a_retouch_stopped_before_it_answered_answers_at_the_next_import(
    studio: Studio, tmp_path: Path
) -> None:
    """Killed between writing a new round's previews and marking the requests answered: the
    next import into the album (even of nothing) finishes the answer."""
    from sqlalchemy import update

    from core.catalog import Feedback

    s, pia, ed = studio.services, studio.photographer, studio.editor
    album = await second_round_with_a_change_request(studio, tmp_path, "Interrupted")
    r2 = make_jpeg(tmp_path / "r2" / "IMG_0001_rt2.jpg", colour=10)
    assert (await s.imports.run(ed, album.id, [r2], kind="retouched")).imported
    # The state a kill -9 leaves between the previews of round 2 and their commit.
    async with context_of(s).call(pia, "test.interrupt", audit=False) as call:  # in the studio
        await call.session.execute(update(Feedback).values(resolved_at=None))
    assert await refusal_codes(s.albums.advance(pia, album.id)) == [
        "retouch.change_requests_unanswered"
    ]

    await s.imports.run(ed, album.id, [], kind="retouched")

    assert (await s.albums.advance(pia, album.id)).stage == Stage.FEEDBACK
