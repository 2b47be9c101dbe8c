"""What the studio's e-mails say: each one as a subject, a plain-text part and an HTML part.

Every name and address that goes into the HTML part is escaped: a guest's name or an album's is
whatever someone typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str


def _html(paragraphs: list[str], link: tuple[str, str] | None = None, small: str = "") -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if link is not None:
        url, words = link
        body += f'<p><a href="{escape(url, quote=True)}">{escape(words)}</a></p>'
    if small:
        body += f'<p style="font-size:small;color:#666">{small}</p>'
    return f'<!doctype html><html><body style="font-family:sans-serif">{body}</body></html>'


def invite(studio: str, album: str, url: str, *, has_pin: bool, expires: datetime | None) -> Letter:
    """The client's invitation. Never the PIN: the studio gives it by phone or message."""
    lines = [f"{studio} has shared the photos of {album} with you.", f"Open your gallery: {url}"]
    if has_pin:
        lines.append("The gallery asks for a PIN: your photographer gives it to you separately.")
    if expires is not None:
        lines.append(f"The link works until {expires:%d %B %Y}.")
    paragraphs = [p for p in lines if not p.startswith("Open your gallery")]
    return Letter(
        f"Your photos from {studio}: {album}",
        "\n\n".join(lines) + "\n",
        _html(paragraphs[:1], (url, "Open your gallery"), "<br>".join(map(escape, paragraphs[1:]))),
    )


def submitted(album: str, guest: str, picks: int, selected: int | None) -> Letter:
    """The photographer's notice that a client sent a selection."""
    first = f"{guest} sent their selection of {album}: {picks} photo{'s' if picks != 1 else ''}."
    lines = [first]
    if selected is not None:
        lines.append(f"The album's selection now has {selected}.")
    lines.append("Open PhotoFlow to see the picks and move the album on.")
    return Letter(f"{guest} sent the selection of {album}", "\n\n".join(lines) + "\n", _html(lines))


def reminder(
    studio: str, album: str, url: str, why: str, expires: datetime | None, stop_url: str
) -> Letter:
    """A reminder to the client: `why` is "expiry" (the link ends soon) or "picks" (not sent)."""
    if why == "expiry" and expires is not None:
        first = f"Your gallery of {album} from {studio} closes on {expires:%d %B %Y}."
    else:
        first = f"{studio} is still waiting for your selection of {album}."
    stop = f"Don't want these reminders? Stop them: {stop_url}"
    return Letter(
        f"Reminder: {album}",
        f"{first}\n\nOpen your gallery: {url}\n\n-- \n{stop}\n",
        _html(
            [first],
            (url, "Open your gallery"),
            f'Don\'t want these reminders? <a href="{escape(stop_url, quote=True)}">Stop them</a>.',
        ),
    )
