"""Staff sign in for real: an invite code, a password, a device token an admin can revoke."""

from __future__ import annotations

import pytest

from core.errors import Invalid, NotPermitted, NotSignedIn, TooManySignIns
from core.policies import Role
from core.services.staff import SIGN_IN_LIMIT
from tests.conftest import Studio, in_studio

PASSWORD = "correct horse battery"


async def _colleague(studio: Studio, email: str = "new@lumen.test", role: str = "photographer"):  # type: ignore[no-untyped-def]
    s = studio.services
    invitation = await s.staff.invite(studio.studio_admin, email, role, "New One")
    return await s.staff.accept(invitation.code, PASSWORD)


async def test_invite_accept_sign_in_and_revoke(studio: Studio) -> None:
    s = studio.services
    invitation = await s.staff.invite(studio.studio_admin, "nia@lumen.test", "editor", "Nia")
    assert invitation.role is Role.EDITOR and len(invitation.code) == 19
    nia = await s.staff.accept(invitation.code.lower().replace("-", " "), PASSWORD)
    assert (nia.email, nia.role) == ("nia@lumen.test", Role.EDITOR)
    with pytest.raises(NotSignedIn, match="used already"):  # one use only
        await s.staff.accept(invitation.code, PASSWORD)

    signed = await s.staff.sign_in("Nia@Lumen.test", PASSWORD, "Nia's laptop")
    assert signed.actor == nia
    assert await s.staff.actor_for_device(signed.token) == nia

    devices = await s.staff.devices(studio.studio_admin)
    assert [(d.name, d.email, d.revoked) for d in devices] == [
        ("Nia's laptop", "nia@lumen.test", False)
    ]
    await s.staff.revoke_device(studio.studio_admin, devices[0].id)
    with pytest.raises(NotSignedIn, match="signed out by an admin"):
        await s.staff.actor_for_device(signed.token)
    actions = [e.action for e in await s.audit.events(studio.studio_admin)]
    assert {"staff.invite", "staff.accept", "device.sign_in", "device.revoke"} <= set(actions)


async def test_only_hashes_are_stored(studio: Studio) -> None:
    from sqlalchemy import text

    s = studio.services
    invitation = await s.staff.invite(studio.studio_admin, "hash@lumen.test", "photographer")
    await s.staff.accept(invitation.code, PASSWORD)
    signed = await s.staff.sign_in("hash@lumen.test", PASSWORD, "desk")
    async with in_studio(s, studio.studio_admin.tenant_id) as session:
        rows = []
        for table in ("staff_invites", "devices", "users"):
            rows += (await session.execute(text(f"select * from {table}"))).all()
    dump = " ".join(str(row) for row in rows)
    assert signed.token not in dump and invitation.code.replace("-", "") not in dump
    assert PASSWORD not in dump and "$argon2id$" in dump


async def test_wrong_passwords_are_refused_and_limited(studio: Studio) -> None:
    s = studio.services
    await _colleague(studio)
    with pytest.raises(NotSignedIn, match="do not match"):
        await s.staff.sign_in("new@lumen.test", "wrong password!", "desk", client="10.0.0.9")
    with pytest.raises(NotSignedIn, match="do not match"):  # nobody: the same sentence
        await s.staff.sign_in("nobody@lumen.test", PASSWORD, "desk", client="10.0.0.9")
    for _ in range(SIGN_IN_LIMIT - 1):
        with pytest.raises(NotSignedIn):
            await s.staff.sign_in("new@lumen.test", "wrong again!!", "desk", client="10.0.0.8")
    with pytest.raises(TooManySignIns):  # the e-mail is locked, even with the right password
        await s.staff.sign_in("new@lumen.test", PASSWORD, "desk", client="10.0.0.7")
    refused = await s.audit.events(studio.studio_admin, action="device.sign_in")
    assert refused and all(e.outcome == "denied" for e in refused)


async def test_a_photographer_cannot_invite_or_see_devices(studio: Studio) -> None:
    s = studio.services
    with pytest.raises(NotPermitted):
        await s.staff.invite(studio.photographer, "x@lumen.test", "admin")
    with pytest.raises(NotPermitted):
        await s.staff.devices(studio.photographer)


async def test_deactivated_user_and_bad_input(studio: Studio) -> None:
    s = studio.services
    await _colleague(studio, "gone@lumen.test")
    signed = await s.staff.sign_in("gone@lumen.test", PASSWORD, "desk")
    await s.users.set_active(studio.studio_admin, "gone@lumen.test", False)
    with pytest.raises(NotSignedIn, match="deactivated"):
        await s.staff.actor_for_device(signed.token)
    with pytest.raises(NotSignedIn):
        await s.staff.actor_for_device("not a token at all, just words")
    invitation = await s.staff.invite(studio.studio_admin, "short@lumen.test", "editor")
    with pytest.raises(Invalid, match="at least"):
        await s.staff.accept(invitation.code, "short")


async def test_an_existing_user_sets_a_password_with_a_code(studio: Studio) -> None:
    s = studio.services
    invitation = await s.staff.invite(studio.studio_admin, "pia@lumen.test", "admin")
    assert invitation.role is Role.PHOTOGRAPHER  # the code sets the password, not the role
    pia = await s.staff.accept(invitation.code, PASSWORD)
    assert pia == studio.photographer
    signed = await s.staff.sign_in("pia@lumen.test", PASSWORD, "Pia's laptop")
    assert (await s.staff.actor_for_device(signed.token)).role is Role.PHOTOGRAPHER


async def test_call_figures_show_slowest_and_most_refused(studio: Studio) -> None:
    s = studio.services
    await _colleague(studio)
    for _ in range(2):
        with pytest.raises(NotSignedIn):
            await s.staff.sign_in("new@lumen.test", "not the password", "desk")
    figures = await s.audit.call_figures(studio.studio_admin)
    assert figures.most_refused[0].action == "device.sign_in"
    assert figures.most_refused[0].not_done == 2
    slowest = {f.action for f in figures.slowest}
    assert "staff.accept" in slowest
    assert all(
        a.avg_ms >= b.avg_ms for a, b in zip(figures.slowest, figures.slowest[1:], strict=False)
    )
    with pytest.raises(NotPermitted):
        await s.audit.call_figures(studio.photographer)
