"""What clients do reaches the photographer: a notification (here, with no system tray, in the
status bar) and a badge on the album in the album list until it is opened. The studio's own
replies are not news."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QSystemTrayIcon

from tests.images import make_jpeg
from tests.ui.conftest import Desk, until
from tests.ui.test_client_live import album_in_rate, open_window


def test_a_client_submit_and_comment_show_a_notice_and_a_badge(
    desk: Desk, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin
    album = desk.run(album_in_rate(desk, tmp_path, name="Harbour wedding", n=3))
    window = open_window(desk, qtbot)
    browser = window.browser
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen: the status bar says it

    def label() -> str:
        item = browser.item_for("Harbour wedding")
        return item.text(0) if item is not None else ""

    async def scenario() -> None:
        await until(lambda: label().startswith("Harbour wedding"), what="the album list")
        assert "●" not in label()
        published = await s.links.create(me, album.id)
        mia = (await s.client.open(published.token)).guest("Mia")
        first, second, _ = await s.photos.list(me, album.id)
        await s.client.pick(mia, first.id)
        await s.client.pick(mia, second.id)
        await s.client.submit(mia)
        await until(lambda: "● 1 new" in label(), what="the badge")
        assert window.last_message == (
            "Harbour wedding: selection sent — Mia sent their selection: 2 photos."
        )
        assert window.statusBar().currentMessage().startswith("Harbour wedding: selection sent")
        await s.client.comment(mia, first.id, "Can we have this one in black and white?")
        await until(lambda: "● 2 new" in label(), what="the second badge")
        assert window.last_message == (
            "Harbour wedding: new comment — Mia: “Can we have this one in black and white?”"
        )
        # The studio's reply is its own doing, and stars are not news: the next comment is the
        # third badge, not the fifth.
        await s.replies.reply(me, album.id, first.id, "Of course!")
        await s.client.rate(mia, first.id, 4)
        await s.client.comment(mia, second.id, "And this one?")
        await until(lambda: "● 3 new" in label(), what="the third badge")
        assert window.last_message.endswith("Mia: “And this one?”")
        # Opening the album clears its badge.
        browser.tree.setCurrentItem(browser.item_for("Harbour wedding"))
        await until(lambda: window.album is not None, what="the album to open")
        await until(lambda: "●" not in label(), what="the badge to go")
        await window.studio.jobs.idle()

    desk.run(scenario())
    window.close()


def test_with_a_tray_the_system_notification_tells_a_submit_and_a_change_request(
    desk: Desk, qtbot, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Where the system has a tray (most desktops), the photographer reads the notification;
    the status bar stays for the studio's own messages."""
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(QSystemTrayIcon, "supportsMessages", staticmethod(lambda: True))
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QSystemTrayIcon, "showMessage", lambda _tray, title, text, *_: shown.append((title, text))
    )
    s, me = desk.services, desk.admin
    album = desk.run(album_in_rate(desk, tmp_path, name="Quay portraits", n=2))
    window = open_window(desk, qtbot)

    async def scenario() -> None:
        published = await s.links.create(me, album.id)
        una = (await s.client.open(published.token)).guest("Una")
        first, second = await s.photos.list(me, album.id)
        await s.client.pick(una, first.id)
        await s.client.submit(una)
        await until(lambda: bool(shown), what="the notification")
        assert shown == [("Quay portraits: selection sent", "Una sent their selection: 1 photo.")]
        assert "selection sent" not in window.statusBar().currentMessage()
        await s.albums.advance(me, album.id)  # Retouch
        retouched = make_jpeg(
            tmp_path / "rt" / f"{Path(first.filename).stem}_retouched.jpg", colour=99
        )
        await s.imports.run(me, album.id, [retouched], kind="retouched")
        await s.albums.advance(me, album.id)  # Feedback: the client sees the retouched photo
        await s.client.decide(una, first.id, False, "Warmer light, please")
        await until(lambda: len(shown) == 2, what="the change request's notification")
        assert shown[1] == (
            "Quay portraits: changes requested",
            "Una asks for changes: “Warmer light, please”",
        )
        await window.studio.jobs.idle()

    desk.run(scenario())
    window.close()
