"""The whole album life through the command line with --json, and its exit codes."""

from __future__ import annotations

from pathlib import Path

from tests.images import make_jpeg, make_shoot
from tests.integration.cli import photoflow


def test_init_refusals_import_and_raw_to_final(tmp_path: Path) -> None:
    home = tmp_path / "home"

    def pf(*args: str, who: str | None = None, code: int = 0):  # type: ignore[no-untyped-def]
        r = photoflow(home, *args, "--json", as_user=who)
        assert r.code == code, (args, r.code, r.out, r.err)
        assert "Traceback" not in r.err
        return r.json

    status = photoflow(home, "album", "list")
    assert status.code == 1 and "not set up yet" in status.err
    assert pf("init", "--studio", "Lumen", "--admin", "owner@lumen.test")["role"] == "superadmin"
    pf("user", "add", "pia@lumen.test", "--role", "photographer", "--name", "Pia")
    pf("user", "add", "ed@lumen.test", "--role", "editor")
    pf("user", "add", "ada@lumen.test", "--role", "admin")
    pia, ed, ada = "pia@lumen.test", "ed@lumen.test", "ada@lumen.test"

    album = pf(
        "album", "create", "Smith Wedding", "--client", "J. Smith", "--max-select", "2", who=pia
    )
    assert (album["stage"], album["round"], album["photo_count"]) == ("raw", 1, 0)
    refused = pf("album", "advance", "Smith Wedding", who=pia, code=3)
    assert [r["code"] for r in refused["refusals"]] == ["raw.no_photos"]
    denied = pf("album", "advance", "Smith Wedding", who=ed, code=4)["error"]
    assert (
        denied
        == "An editor may not create albums, ingest, cull and advance them; ask a studio admin."
    )

    card = tmp_path / "card"
    make_shoot(card, 3)
    (card / "IMG_0099.jpg").write_bytes(b"%PDF-1.4 not a photo")
    report = pf("import", "Smith Wedding", str(card), who=pia)
    assert len(report["imported"]) == 3 and report["duplicates"] == []
    assert report["failed"] == [
        {"path": str(card / "IMG_0099.jpg"), "reason": "not an image: it is a PDF"}
    ]
    again = pf("import", "Smith Wedding", str(card / "IMG_0001.jpg"), who=pia)
    assert again["duplicates"] == [str(card / "IMG_0001.jpg")] and again["imported"] == []

    shown = pf("album", "show", "Smith Wedding", who=pia)
    assert (shown["photo_count"], shown["selected_count"]) == (3, 0)
    assert [b["code"] for b in shown["blocking"]] == ["raw.unresolved_failures"]
    pf("album", "resolve-failures", "Smith Wedding", who=pia)
    assert pf("album", "advance", "Smith Wedding", who=pia)["stage"] == "stock"
    assert pf("album", "advance", album["id"], who=pia)["stage"] == "rate"

    pf("photo", "rate", "Smith Wedding", "IMG_0001.jpg", "5", who=pia)
    pf("photo", "pick", "Smith Wedding", "IMG_0001.jpg", who=pia)
    pf("photo", "label", "Smith Wedding", "IMG_0002.jpg", "green", who=pia)
    pf("photo", "reject", "Smith Wedding", "IMG_0003.jpg", who=pia)
    pf("photo", "rate", "Smith Wedding", "IMG_0003.jpg", "9", who=pia, code=2)
    for name in ("IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg"):
        pf("photo", "select", "Smith Wedding", name, who=pia)
    refused = pf("album", "advance", "Smith Wedding", who=pia, code=3)
    assert [r["code"] for r in refused["refusals"]] == ["rate.too_many_selected"]
    pf("photo", "deselect", "Smith Wedding", "IMG_0003.jpg", who=pia)
    assert pf("album", "advance", "Smith Wedding", who=pia)["stage"] == "retouch"

    refused = pf("album", "advance", "Smith Wedding", who=pia, code=3)
    [missing] = refused["refusals"]
    assert missing["code"] == "retouch.missing_retouch"
    assert missing["photos"] == ["IMG_0001.jpg", "IMG_0002.jpg"]
    pf("album", "advance", "Smith Wedding", who=ed, code=4)
    rt = [make_jpeg(tmp_path / "rt" / f"IMG_000{i}_retouched.jpg", colour=90 + i) for i in (1, 2)]
    assert (
        len(pf("import", "Smith Wedding", *map(str, rt), "--as", "retouched", who=ed)["imported"])
        == 2
    )
    assert pf("album", "advance", "Smith Wedding", who=pia)["stage"] == "feedback"

    pf("photo", "approve", "Smith Wedding", "IMG_0001.jpg", who=pia, code=4)
    pf("photo", "approve", "Smith Wedding", "IMG_0001.jpg", who=ada)
    pf("photo", "request-changes", "Smith Wedding", "IMG_0002.jpg", "--note", "warmer", who=ada)
    refused = pf("album", "advance", "Smith Wedding", who=pia, code=3)
    assert [r["code"] for r in refused["refusals"]] == [
        "feedback.not_approved",
        "feedback.open_change_requests",
    ]
    back = pf("album", "advance", "Smith Wedding", "--to", "retouch", who=ed)
    assert (back["stage"], back["round"]) == ("retouch", 2)
    v2 = make_jpeg(tmp_path / "rt2" / "IMG_0002_retouched_v2.jpg", colour=222)
    pf("import", "Smith Wedding", str(v2), "--as", "retouched", who=ed)
    assert pf("album", "advance", "Smith Wedding", who=pia)["stage"] == "feedback"
    pf("photo", "approve", "Smith Wedding", "IMG_0002.jpg", who=ada)
    final = pf("album", "advance", "Smith Wedding", who=pia)
    assert (final["stage"], final["round"], final["blocking"]) == ("final", 2, [])
    pf("album", "reopen", "Smith Wedding", "--to", "feedback", "--reason", "x", who=pia, code=4)

    events = pf("audit", "--album", "Smith Wedding", "--limit", "500", who=ada)
    assert {"at", "actor", "action", "target", "outcome", "duration_ms"} <= set(events[0])
    advances = [e for e in events if e["action"] == "album.advance"]
    assert sum(e["outcome"] == "refused" for e in advances) == 4
    assert sum(e["outcome"] == "denied" for e in advances) == 2
    assert sum(e["outcome"] == "ok" for e in advances) == 7
    assert all(isinstance(e["duration_ms"], float) and e["duration_ms"] > 0 for e in events)
    pf("audit", who=pia, code=4)


def test_other_studio_sees_nothing_and_errors_are_plain(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert photoflow(home, "init", "--studio", "Lumen", "--admin", "owner@lumen.test").code == 0
    assert photoflow(home, "album", "create", "Private").code == 0
    r = photoflow(home, "tenant", "create", "Rival", "--admin", "boss@rival.test", "--json")
    assert r.code == 0, r.err
    r = photoflow(home, "album", "list", "--json", as_user="boss@rival.test")
    assert r.code == 0 and r.json == []
    r = photoflow(home, "album", "show", "Private", as_user="boss@rival.test")
    assert r.code == 1 and r.err.strip() == "photoflow: No album Private in this studio."
    r = photoflow(home, "tenant", "list", as_user="boss@rival.test")
    assert r.code == 4 and "may not create and suspend studios" in r.err
    r = photoflow(home, "album", "frobnicate")
    assert r.code == 2 and "Traceback" not in r.err
    r = photoflow(home, "import", "Private", str(tmp_path / "nowhere"), "--json")
    assert r.code == 0 and r.json["failed"] == [
        {"path": str(tmp_path / "nowhere"), "reason": "no such file or folder"}
    ]
    r = photoflow(home, "album", "list", as_user="nobody@lumen.test")
    assert r.code == 1 and "No user nobody@lumen.test" in r.err


def test_a_home_whose_init_was_killed_before_its_config_still_opens(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert photoflow(home, "init", "--studio", "Lumen", "--admin", "owner@lumen.test").code == 0
    (home / "config.json").unlink()  # as if killed between the catalog commit and config.json
    r = photoflow(home, "album", "create", "After the crash", "--json")
    assert r.code == 0, r.err
    r = photoflow(home, "init", "--studio", "Lumen", "--admin", "owner@lumen.test")
    assert r.code == 1 and "already set up" in r.err


def test_importing_old_raws_prints_sentences_not_decoder_chatter(
    tmp_path: Path, photos_dir: Path
) -> None:
    """libtiff prints "Missing JPEG tables." for the old Kodak/Canon RAWs of the shared photos;
    that goes to the home's decoder log, and the terminal shows progress and plain reasons."""
    home = tmp_path / "home"
    card = tmp_path / "card"
    card.mkdir()
    for name in ("RAW_KODAK_DC50.KDC", "CanonRaw.cr2", "truncated_jpeg.jpg"):
        (card / name).write_bytes((photos_dir / name).read_bytes())
    assert photoflow(home, "init", "--studio", "Lumen", "--admin", "o@lumen.test").code == 0
    assert photoflow(home, "album", "create", "Old RAWs", as_user="o@lumen.test").code == 0

    result = photoflow(home, "import", "Old RAWs", str(card), as_user="o@lumen.test")

    assert result.code == 0, result.err
    progress = [line for line in result.err.replace("\r", "\n").splitlines() if line.strip()]
    assert [line for line in progress if not line.startswith(("copying ", "previews "))] == []
    assert f"  failed: {card / 'truncated_jpeg.jpg'}: the JPEG is cut short" in result.out
    assert "Missing JPEG tables" in (home / "logs" / "decoders.log").read_text()
