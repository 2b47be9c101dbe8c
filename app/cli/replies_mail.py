"""`photoflow photo reply` and `photoflow link send`: the studio answers a client, and invites one
by e-mail (sent at once when the mail server answers, else kept in the outbox for later)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from core.policies import Actor

if TYPE_CHECKING:
    from core.services import Services

Result = tuple[Any, str]


async def photo_reply(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    reply = await s.replies.reply(me, a.album, a.photo, a.text, to=a.to)
    return {"reply": str(reply), "photo": a.photo}, f"Replied on {a.photo}: the client sees it."


async def link_send(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    published = await s.links.show(me, a.link)
    invitation = await s.mail.invite(me, published.id, a.to, published.url)
    from sync.mail.password import MailPassword  # the mail stack: for the commands that send
    from sync.mail.postman import Postman

    postman = Postman(s, me.tenant_id, MailPassword(s.paths.root))
    await postman.send_due()
    sent, error = await s.mail.message_state(me, invitation.message_id)
    lines = [
        f"Invitation to {invitation.to} sent."
        if sent
        else f"Invitation to {invitation.to} kept in the outbox, to be sent later: "
        f"{error or 'it goes with the next round.'}"
    ]
    if invitation.has_pin:
        lines.append(
            "The link has a PIN, which is not in the e-mail: give it to the client by phone "
            "or text message."
        )
    data = {"to": invitation.to, "sent": sent, "pin_in_mail": False, "error": error}
    return data, "\n".join(lines)


HANDLERS = {
    ("photo", "reply"): photo_reply,
    ("link", "send"): link_send,
}
