"""A real SMTP server for the tests (aiosmtpd, on its own thread), which signs in one user with
one password (and refuses any other) and keeps every message it accepts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "studio@lumen.test"
PASSWORD = "right horse battery"


@dataclass
class Inbox:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    sign_ins: list[bool] = field(default_factory=list)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def studio_settings(self) -> dict[str, object]:
        """The studio settings that send the studio's mail through this server."""
        return {
            "smtp_host": self.host,
            "smtp_port": self.port,
            "smtp_security": "none",
            "smtp_user": USER,
            "smtp_from": "hello@lumen.test",
        }

    refuse: set[str] = field(default_factory=set)  # addresses whose messages get a 554
    data_tries: int = 0  # messages offered, taken or not

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.data_tries += 1
        if set(envelope.rcpt_tos) & self.refuse:
            return "554 5.7.1 Message refused as spam"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == USER.encode()
            and auth_data.password == PASSWORD.encode()
        )
        self.sign_ins.append(ok)
        return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    """Started here and stopped on the way out, even when the test fails."""
    inbox = Inbox(port=_free_port())
    controller = Controller(
        inbox,
        hostname=inbox.host,
        port=inbox.port,
        authenticator=inbox.authenticate,
        # Plain SMTP on the loopback (no certificate to make), where aiosmtpd warns against
        # requiring AUTH: it is offered, and a sender with a user name signs in or fails.
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None, "a plain-text and an HTML part"
    return text.get_content(), html.get_content()
