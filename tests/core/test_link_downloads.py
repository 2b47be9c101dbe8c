"""What a link says about downloads: none, web or full size finals, and a download PIN kept as
a salted hash; carried to a studio server with the rest of the link, never in the clear."""

from __future__ import annotations

import pytest

from app.bootstrap import context_of
from core.catalog import ShareLink
from core.errors import Invalid
from core.services.links import fill_link, link_args
from tests.conftest import Studio


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_link_says_which_downloads_and_keeps_its_download_pin_hashed(studio: Studio):
    s, pia = studio.services, studio.photographer
    await s.albums.create(pia, "Harbour")
    plain = await s.links.create(pia, "Harbour")
    assert plain.link.downloads == "none" and not plain.link.has_download_pin
    made = await s.links.create(
        pia, "Harbour", allow_download=True, download_size="web", download_pin="8080"
    )
    assert (made.link.downloads, made.link.has_download_pin) == ("web", True)
    access = await s.client.access(made.id)
    assert (access.download_size, access.needs_download_pin) == ("web", True)
    with pytest.raises(Invalid):
        await s.links.create(pia, "Harbour", download_size="huge")
    with pytest.raises(Invalid):
        await s.links.create(pia, "Harbour", allow_download=True, download_pin="12")

    async with context_of(s).call(pia, "test.read", audit=False) as call:
        link = await call.session.get(ShareLink, made.id)
        row = link_args(link)
    assert row["download_size"] == "web" and row["download_pin_hash"].startswith("scrypt$")
    assert "8080" not in str(row)
    copy = ShareLink()
    fill_link(copy, row)
    assert (copy.download_size, copy.download_pin_hash) == ("web", row["download_pin_hash"])
    older = {k: v for k, v in row.items() if not k.startswith("download_")}
    fill_link(copy, older)  # from a desktop that predates download sizes: full, no PIN
    assert (copy.download_size, copy.download_pin_hash) == ("full", None)
    with pytest.raises(Invalid):
        fill_link(copy, {**row, "download_pin_hash": "8080"})
