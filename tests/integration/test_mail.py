"""The studio's e-mail against a real SMTP server (aiosmtpd, with a password): the invitation
carries the link and never the PIN; a client's submit tells the photographer; a reminder goes
once however many senders run, and its unsubscribe address on the portal stops the next ones."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from app.bootstrap import close_services, open_services
from core.catalog.base import utcnow
from core.errors import Invalid
from core.home import Home
from core.services import Services
from portal.server import start_portal
from sync.mail.password import MailPassword
from sync.mail.postman import Postman
from tests.images import make_shoot
from tests.integration.cli import photoflow
from tests.mailserver import PASSWORD, Inbox, text_and_html


async def until(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def studio_with_mail(home: Home, inbox: Inbox, tmp_path: Path, **settings: object):  # type: ignore[no-untyped-def]
    s = await open_services(home)
    admin = await s.tenants.initialise("Lumen", "owner@lumen.test", "Owner")
    me = await s.users.actor_for(admin.email)
    await s.settings.update(me, **{**inbox.studio_settings(), **settings})
    MailPassword(home.root).save(PASSWORD)
    album = await s.albums.create(me, "Harbour")
    await s.imports.run(me, album.id, make_shoot(tmp_path / "card", 2))
    await s.albums.advance(me, album.id)
    await s.albums.advance(me, album.id)  # Rate
    return s, me, album


async def test_the_invitation_has_the_link_and_never_the_pin(inbox: Inbox, tmp_path: Path):
    home = Home(tmp_path / "home")
    s, me, album = await studio_with_mail(home, inbox, tmp_path)
    try:
        published = await s.links.create(me, album.id, pin="8642")
    finally:
        await close_services(s)
    r = photoflow(home.root, "link", "send", str(published.id), "--to", "mia@client.test",
                  as_user=me.email)  # fmt: skip
    assert r.code == 0, r.err
    assert "Invitation to mia@client.test sent." in r.out
    assert "give it to the client by phone or text message" in r.out
    [mail] = inbox.to("mia@client.test")
    text, html = text_and_html(mail)
    assert published.url in text and published.url in html
    assert mail["Subject"] == "Your photos from Lumen: Harbour"
    assert mail["From"] == "Lumen <hello@lumen.test>"
    assert all("8642" not in part for part in (text, html, mail["Subject"]))
    assert "your photographer gives it to you separately" in text


async def test_a_submit_tells_the_photographer(inbox: Inbox, tmp_path: Path):
    home = Home(tmp_path / "home")
    s, me, _ = await studio_with_mail(home, inbox, tmp_path)
    postman = Postman(s, me.tenant_id, MailPassword(home.root))
    try:
        await s.users.add(me, "ph@lumen.test", "photographer", name="Pia")
        pia = await s.users.actor_for("ph@lumen.test")
        album = await s.albums.create(pia, "Dock party")
        await s.imports.run(pia, album.id, make_shoot(tmp_path / "card2", 3))
        await s.albums.advance(pia, album.id)
        await s.albums.advance(pia, album.id)
        postman.start()
        mia = (await s.client.open((await s.links.create(pia, album.id)).token)).guest("Mia")
        for photo in (await s.photos.list(pia, album.id))[:2]:
            await s.client.pick(mia, photo.id)
        await s.client.submit(mia)
        # The photographer who made the album, and the studio's admin.
        await until(lambda: inbox.to("ph@lumen.test") and inbox.to("owner@lumen.test"))
        [mail] = inbox.to("ph@lumen.test")
        text, html = text_and_html(mail)
        assert mail["Subject"] == "Mia sent the selection of Dock party"
        assert "Mia sent their selection of Dock party: 2 photos." in text
        assert "Mia sent their selection of Dock party: 2 photos." in html
        # Marked sent once the server took them: nothing stays in the outbox.
        async with asyncio.timeout(10):
            while await s.mail.outbox(me) != (0, None):
                await asyncio.sleep(0.05)
    finally:
        await postman.stop()
        await close_services(s)


async def test_a_submit_the_postman_missed_is_told_once_and_the_studios_work_is_no_round(
    inbox: Inbox, tmp_path: Path
):
    home = Home(tmp_path / "home")
    s, me, album = await studio_with_mail(home, inbox, tmp_path)
    await s.users.add(me, "ed@lumen.test", "admin", name="Ed")
    postman = Postman(s, me.tenant_id, MailPassword(home.root))
    try:
        token = (await s.links.create(me, album.id)).token
        photos = await s.photos.list(me, album.id)
        una = (await s.client.open(token)).guest("Una")
        await s.client.pick(una, photos[0].id)
        await s.client.submit(una)  # no postman listens yet (or its events overflowed)
        postman.start()
        await until(lambda: inbox.to("ed@lumen.test"))
        [mail] = inbox.to("ed@lumen.test")
        assert mail["Subject"] == "Una sent the selection of Harbour"
        # Keyed on the selection itself: told once, whoever looks at it again.
        assert await s.mail.catch_up(me.tenant_id) == 0
        # The studio's own work is none of the postman's business: no round for each star.
        await until(lambda: postman.rounds == 1)  # the round that sent it is over
        rounds = postman.rounds
        for stars in (1, 2, 3, 4, 5):
            await s.photos.rate(me, album.id, photos[1].filename, stars)
        postman.wake()
        await until(lambda: postman.rounds > rounds)
        await asyncio.sleep(0.3)  # what is tested is that nothing more happens
        assert postman.rounds == rounds + 1
    finally:
        await postman.stop()
        await close_services(s)


async def test_a_desktop_synced_with_a_studio_server_leaves_the_telling_to_it(
    inbox: Inbox, tmp_path: Path
):
    s = await open_services(Home(tmp_path / "home"))
    try:
        admin = await s.tenants.initialise("Lumen", "wes@lumen.test", "Wes")
        me = await s.users.actor_for(admin.email)
        await s.replica.connect("http://127.0.0.1:9")  # the studio's settings sync down
        await s.settings.update(me, smtp_host=inbox.host, smtp_port=inbox.port,
                                smtp_security="none", smtp_from="hello@lumen.test")  # fmt: skip
        album = await s.albums.create(me, "Quay")
        await s.imports.run(me, album.id, make_shoot(tmp_path / "card", 1))
        await s.albums.advance(me, album.id)
        await s.albums.advance(me, album.id)
        una = (await s.client.open((await s.links.create(me, album.id)).token)).guest("Una")
        await s.client.pick(una, (await s.photos.list(me, album.id))[0].id)
        await s.client.submit(una)  # replayed on the server, which tells the photographer
        assert await s.mail.catch_up(me.tenant_id) == 0
        assert await s.mail.outbox(me) == (0, None)
    finally:
        await close_services(s)


async def test_a_refused_message_holds_up_no_other_and_is_given_up(inbox: Inbox, tmp_path: Path):
    home = Home(tmp_path / "home")
    s, me, album = await studio_with_mail(home, inbox, tmp_path)
    inbox.refuse.add("spam@client.test")
    postman = Postman(s, me.tenant_id, MailPassword(home.root))
    try:
        published = await s.links.create(me, album.id)
        for to in ("ana@client.test", "spam@client.test", "cat@client.test"):
            await s.mail.invite(me, published.id, to, published.url)
        assert await postman.send_due() == 2
        assert len(inbox.to("ana@client.test")) == len(inbox.to("cat@client.test")) == 1
        waiting, error = await s.mail.outbox(me)
        assert waiting == 1 and error is not None and "554" in error and "refused" in error
        with pytest.raises(Invalid, match="plain Latin letters"):
            await s.mail.invite(me, published.id, "zoë@client.test", published.url)
        with pytest.raises(Invalid, match="plain Latin letters"):  # it would hold up every one
            await s.settings.update(me, smtp_from="hélène@lumen.test")
        for _ in range(7):  # tried again and again (the studio's new password, say)
            await s.mail.retry_now(me.tenant_id)
            assert await postman.send_due() == 0
        tries = inbox.data_tries
        await s.mail.retry_now(me.tenant_id)
        await postman.send_due()
        assert inbox.data_tries == tries  # given up: kept, with why, but not offered again
        waiting, error = await s.mail.outbox(me)
        assert waiting == 1 and error is not None and error.startswith("Given up after 8 tries")
    finally:
        await close_services(s)
    # The invitation's own fate is told, not the outbox's (which holds the one given up).
    r = photoflow(home.root, "link", "send", str(published.id), "--to", "dan@client.test",
                  as_user=me.email)  # fmt: skip
    assert r.code == 0, r.err
    assert "Invitation to dan@client.test sent." in r.out
    assert len(inbox.to("dan@client.test")) == 1


async def test_reminders_go_once_each_and_an_unsubscribe_stops_the_next(
    inbox: Inbox, tmp_path: Path
):
    home = Home(tmp_path / "home")
    s, me, album = await studio_with_mail(
        home, inbox, tmp_path, remind_days_before_expiry=3, remind_unsent_after_days=1
    )
    other: Services | None = None
    portal = await start_portal(s, "127.0.0.1", 0)
    try:
        await s.settings.update(me, portal_base_url=portal.url)
        published = await s.links.create(me, album.id, expires_days=2)
        for to in ("bo@client.test", "cy@client.test"):
            await s.mail.invite(me, published.id, to, published.url)
        # Two senders on one catalog, as two processes of the studio would be.
        other = await open_services(home)
        senders = [Postman(x, me.tenant_id, MailPassword(home.root)) for x in (s, other)]
        for _ in range(2):
            await asyncio.gather(*(p.round() for p in senders))
        for to in ("bo@client.test", "cy@client.test"):  # closes in 2 days: one reminder each
            assert [m["Subject"] for m in inbox.to(to)] == [
                "Your photos from Lumen: Harbour",
                "Reminder: Harbour",
            ]
        mails = inbox.to("bo@client.test")
        text, html = text_and_html(mails[1])
        assert "closes on" in text and published.url in text
        stop = re.search(r"Stop them: (\S+)", text)
        assert stop is not None and stop.group(1) in html
        async with aiohttp.ClientSession() as web:
            async with web.get(stop.group(1)) as page:  # a mail scanner's visit stops nothing
                assert page.status == 200 and "Stop reminders" in await page.text()
            for hostile in ("/unsubscribe/../../etc/passwd", "/unsubscribe/" + "a" * 5000,
                            "/unsubscribe/<script>", stop.group(1)[:-3] + "xyz"):  # fmt: skip
                async with web.post(hostile if hostile.startswith("http") else portal.url + hostile,
                                    headers={"Origin": portal.url}) as bad:  # fmt: skip
                    assert bad.status == 404 and "Traceback" not in await bad.text()
            async with web.post(stop.group(1), headers={"Origin": portal.url}) as done:
                assert done.status == 200 and "no more reminders" in await done.text()
        # A day and a half on, the picks were never sent (the link is still open): Cy is
        # reminded of them, Bo, who said stop, is not.
        later = utcnow() + timedelta(days=1, hours=12)
        assert await s.mail.queue_reminders(me.tenant_id, later) == 1
        assert await s.mail.queue_reminders(me.tenant_id, later) == 0  # once
        assert await senders[1].send_due() == 1
        *_, picks = inbox.to("cy@client.test")
        assert "still waiting for your selection of Harbour" in text_and_html(picks)[0]
        assert len(inbox.to("bo@client.test")) == 2
    finally:
        await portal.stop()
        if other is not None:
            await close_services(other)
        await close_services(s)
