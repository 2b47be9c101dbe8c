"""Audit actions read as sentences, and an action that was not done says it was tried."""

from __future__ import annotations

from core.audit_words import describe


def test_actions_in_words() -> None:
    assert describe("album.import_files", {"kind": "original", "files": ["a.jpg"] * 35}) == (
        "imported 35 photos"
    )
    assert describe("album.import_versions", {"kinds": ["retouched"], "files": ["a.jpg"] * 2}) == (
        "added 2 retouched versions imported on another computer"
    )
    assert describe("album.advance", {"from": "raw", "to": "stock"}) == "moved the album to Stock"
    assert describe("album.advance", {"to": "retouch"}, "refused") == (
        "tried to move the album to Retouch"
    )
    assert describe("photo.import_withdrawn") == "withdrew a photo whose import did not finish"
    assert describe("user.set_role", {"role": {"from": "editor", "to": "admin"}}) == (
        "changed the role from editor to admin"
    )
    assert describe("something.new_here") == "something new here"
