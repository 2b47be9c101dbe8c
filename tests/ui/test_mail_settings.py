"""The admin sets the studio's mail server in the settings dialog. A wrong password gives a plain
sentence, from "Test connection" and on save, and loses nothing: the settings are kept, the mail
waiting in the outbox stays there and goes once the right password is given."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from sync.mail.password import MailPassword
from sync.mail.postman import Postman
from tests.mailserver import PASSWORD, USER, smtp_server, text_and_html
from tests.ui.conftest import Desk, until
from tests.ui.test_client_live import album_in_rate
from ui.main_window import MainWindow
from ui.publish_dialog import PublishDialog
from ui.studio import Studio

REFUSED = "refused the user name or password."


def test_a_wrong_smtp_password_is_said_plainly_and_loses_nothing(
    desk: Desk, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin
    album = desk.run(album_in_rate(desk, tmp_path, n=1))
    postman = Postman(s, me.tenant_id, MailPassword(desk.home.root))
    window = MainWindow(Studio(s, me, mail=postman))
    qtbot.addWidget(window)
    window.show()

    with smtp_server() as inbox:

        async def scenario() -> None:
            window.open_settings()
            dialog = window.dialogs["settings"]
            await until(dialog.isEnabled, what="the settings to load")
            dialog.smtp_host.setText(inbox.host)
            dialog.smtp_port.setValue(inbox.port)
            dialog.smtp_security.setCurrentText("none")
            dialog.smtp_user.setText(USER)
            dialog.smtp_from.setText("hello@north.studio")
            QTest.keyClicks(dialog.smtp_password, "wrong")
            qtbot.mouseClick(dialog.test_mail, Qt.MouseButton.LeftButton)
            await until(lambda: dialog.status.text().endswith(REFUSED), what="the refusal")
            assert dialog.status.text() == f"The mail server {inbox.host}:{inbox.port} {REFUSED}"

            save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
            qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
            await until(lambda: dialog.status.text().startswith("Saved. "), what="the save")
            assert REFUSED in dialog.status.text()
            assert dialog.status.text().endswith("Mail waits in the outbox until this works.")
            _, settings = await s.settings.get(me)
            assert (settings.smtp_host, settings.smtp_user) == (inbox.host, USER)  # kept

            # An invitation queued meanwhile is kept, with why it could not go.
            published = await s.links.create(me, album.id)
            await s.mail.invite(me, published.id, "mia@client.test", published.url)
            assert await postman.send_due() == 0
            waiting, error = await s.mail.outbox(me)
            assert waiting == 1 and error is not None and REFUSED in error
            assert not inbox.to("mia@client.test")

            QTest.keyClicks(dialog.smtp_password, PASSWORD)
            qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
            await until(
                lambda: dialog.status.text() == "Saved. The mail server accepted the sign-in.",
                what="the second save",
            )
            assert dialog.smtp_password.placeholderText() == "kept in the system keyring"
            await s.mail.retry_now(me.tenant_id)
            assert await postman.send_due() == 1
            assert len(inbox.to("mia@client.test")) == 1
            assert await s.mail.outbox(me) == (0, None)

            # The publish dialog invites by e-mail too; the PIN stays out of the message.
            publish = PublishDialog(window.studio, album)
            qtbot.addWidget(publish)
            publish.show()
            QTest.keyClicks(publish.pin, "8642")
            qtbot.mouseClick(publish.create_button, Qt.MouseButton.LeftButton)
            await until(publish.send_button.isEnabled, what="the new link")
            QTest.keyClicks(publish.email, "lea@client.test")
            qtbot.mouseClick(publish.send_button, Qt.MouseButton.LeftButton)
            await until(lambda: "on its way" in publish.status.text(), what="the invitation")
            assert publish.status.text() == (
                "Invitation to lea@client.test is on its way. The PIN is not in the e-mail: "
                "give it to the client by phone or text message."
            )
            assert await postman.send_due() == 1
            [mail] = inbox.to("lea@client.test")
            text, html = text_and_html(mail)
            assert publish.url.text() in text and publish.url.text() in html
            assert "8642" not in text + html
            publish.close()
            await window.studio.jobs.idle()

        desk.run(scenario())
    window.close()
