"""One SMTP conversation: sign in (if the studio has a user) and send, or only sign in to check.
Every failure comes back as a plain sentence the studio can act on."""

from __future__ import annotations

import logging
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import aiosmtplib

from core.errors import Invalid
from core.services.mail import Outgoing, SmtpServer

TIMEOUT_S = 20.0

log = logging.getLogger(__name__)


def letter_of(server: SmtpServer, message: Outgoing) -> EmailMessage:
    """The message as sent: a plain-text part and an HTML alternative."""
    mail = EmailMessage()
    mail["From"] = formataddr((server.studio, server.sender))
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Message-ID"] = make_msgid(idstring=str(message.id), domain=server.sender.split("@")[-1])
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    return mail


def _client(server: SmtpServer, password: str | None) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        username=server.user or None,
        password=password if server.user else None,
        use_tls=server.security == "tls",
        start_tls=server.security == "starttls",
        timeout=TIMEOUT_S,
        tls_context=ssl.create_default_context(),
    )


def plain_error(server: SmtpServer, exc: BaseException) -> str:
    where = f"{server.host}:{server.port}"
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return f"The mail server {where} refused the user name or password."
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return f"The mail server {where} did not answer in time."
    if isinstance(exc, aiosmtplib.SMTPConnectError | ConnectionError | OSError):
        return f"Could not reach the mail server {where}: check its name, port and security."
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return "The mail server refused the address."
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return f"The mail server {where} does not offer that security; try another."
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"The mail server {where} said: {exc.code} {exc.message}"[:400]
    return f"Sending through {where} failed: {exc}"[:400]


async def check(server: SmtpServer, password: str | None) -> None:
    """Connect and sign in, then leave; Invalid with a plain sentence when it fails."""
    try:
        async with _client(server, password):
            pass
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise Invalid(plain_error(server, exc)) from None


class Refused(str):
    """Why one message was not taken (its address, its content): the others still go, and this
    one is given up after a few tries (core.services.mail.MAX_ATTEMPTS)."""


async def send(
    server: SmtpServer, password: str | None, messages: list[Outgoing]
) -> dict[Outgoing, str | None]:
    """Send each message on one connection: None for a sent one, else why it was not. A message
    the server refuses (or that cannot be written) is a `Refused` and the batch goes on; only a
    lost connection ends it, and the messages not tried yet get its reason."""
    results: dict[Outgoing, str | None] = {}
    try:
        async with _client(server, password) as smtp:
            for message in messages:
                try:
                    await smtp.send_message(letter_of(server, message))
                    results[message] = None
                except aiosmtplib.SMTPSenderRefused as exc:  # the studio's address: not
                    results[message] = plain_error(server, exc)  # this message's fault
                except aiosmtplib.SMTPResponseException as exc:
                    if exc.code == 421:  # the server closes the conversation
                        raise
                    results[message] = Refused(plain_error(server, exc))
                except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPNotSupported) as exc:
                    results[message] = Refused(_refused(server, exc))
                except (ValueError, TypeError) as exc:  # a header that cannot be written
                    results[message] = Refused(f"The message could not be written: {exc}"[:400])
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        reason = plain_error(server, exc)
        for message in messages:
            results.setdefault(message, reason)
    except Exception as exc:  # what was sent is marked sent all the same, never sent twice
        log.exception("sending through %s:%s failed", server.host, server.port)
        for message in messages:
            results.setdefault(message, f"Sending through {server.host} failed: {exc}"[:400])
    return results


def _refused(server: SmtpServer, exc: BaseException) -> str:
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return (
            f"The mail server {server.host}:{server.port} cannot take this message "
            f"(an address with accents or non-Latin letters?): {exc}"
        )[:400]
    return plain_error(server, exc)
