"""The calls that start knowing no studio: sign-in by e-mail, a link by token or id, the portal's
check of its open links, the installation's set-up. On PostgreSQL they find the studio through the
narrow look-up functions and then work inside it; on SQLite the same calls behave the same."""

from __future__ import annotations

import pytest

from core.errors import Conflict, NotFound
from core.policies import Role
from core.services import Services
from tests.conftest import Studio


@pytest.fixture
async def two_links(studio: Studio):  # type: ignore[no-untyped-def]
    s = studio.services
    await s.tenants.create(studio.admin, "Other Studio", "boss@other.test")
    boss = await s.users.actor_for("boss@other.test")
    ours = await s.links.create(
        studio.photographer, (await s.albums.create(studio.photographer, "Ours")).id
    )
    theirs = await s.links.create(boss, (await s.albums.create(boss, "Theirs")).id, pin="4321")
    return studio, boss, ours, theirs


async def test_sign_in_finds_each_user_in_their_own_studio(
    two_links, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    studio, boss, _ours, _theirs = two_links
    s: Services = studio.services
    assert boss.tenant_id != studio.admin.tenant_id
    assert (await s.users.actor_for("BOSS@other.test ")).tenant_id == boss.tenant_id
    assert (await s.users.actor_for("pia@lumen.test")).role is Role.PHOTOGRAPHER
    with pytest.raises(NotFound):
        await s.users.actor_for("nobody@nowhere.test")
    assert await s.users.installation_admin() == "owner@lumen.test"
    # An e-mail is one account in the whole installation, whichever studio asks.
    with pytest.raises(Conflict):
        await s.users.add(boss, "pia@lumen.test", Role.EDITOR)
    with pytest.raises(Conflict):
        await s.tenants.create(studio.admin, "Third", "boss@other.test")
    with pytest.raises(Conflict):
        await s.tenants.create(studio.admin, "Other Studio", "new@third.test")
    with pytest.raises(Conflict):
        await s.tenants.initialise("Again", "again@x.test")
    # Each refusal was audited, the installation-wide one with no studio too.
    assert "could not write the audit event" not in caplog.text


async def test_the_portal_finds_links_of_every_studio_and_only_theirs(two_links) -> None:  # type: ignore[no-untyped-def]
    studio, boss, ours, theirs = two_links
    s: Services = studio.services
    mine = await s.client.open(ours.token)
    other = await s.client.open(theirs.token)
    assert (mine.album, mine.tenant_id) == ("Ours", studio.admin.tenant_id)
    assert (other.album, other.tenant_id, other.needs_pin) == ("Theirs", boss.tenant_id, True)
    assert (await s.client.access(theirs.id)).album == "Theirs"
    assert (await s.client.check_pin(theirs.id, "4321", "127.0.0.1")).album == "Theirs"
    assert await s.client.still_open({ours.id, theirs.id}) == {ours.id, theirs.id}
    await s.links.revoke(boss, theirs.id)
    assert await s.client.still_open({ours.id, theirs.id}) == {ours.id}
    with pytest.raises(NotFound):
        await s.client.access(theirs.id)
    with pytest.raises(NotFound):
        await s.client.open(theirs.token)
    with pytest.raises(NotFound):
        await s.client.open("x" * 40)
    # A guest of one studio's link acts in that studio only.
    gallery = await s.client.gallery(mine.guest("Ann"))
    assert gallery.album == "Ours"
