"""A sealed link token opens only with the home's key, only for its own link, and only untouched."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import pytest

from core.services.link_seal import LinkSeal, SealBroken
from core.services.links import new_token


def test_a_sealed_token_opens_here_and_nowhere_else(tmp_path: Path) -> None:
    seal = LinkSeal(tmp_path / "home")
    link, other = uuid.uuid4(), uuid.uuid4()
    token = new_token()
    sealed = seal.seal(link, token)
    assert token not in sealed
    assert seal.open(link, sealed) == token
    assert stat.S_IMODE((tmp_path / "home" / "links.key").stat().st_mode) == 0o600

    with pytest.raises(SealBroken):
        seal.open(other, sealed)  # moved onto another link's row
    head, body = sealed.split(".")
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    with pytest.raises(SealBroken):
        seal.open(link, f"{head}.{flipped}")
    with pytest.raises(SealBroken):
        LinkSeal(tmp_path / "elsewhere").open(link, sealed)  # another computer's home
    assert not (tmp_path / "elsewhere" / "links.key").exists()  # opening never makes a key
