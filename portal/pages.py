"""Server-rendered pages: small `string.Template` files where every value is HTML-escaped here."""

from __future__ import annotations

import html
from functools import cache
from string import Template

from aiohttp import web

from core.services.client import Gallery, GalleryPhoto
from core.workflow import Stage
from portal.assets import asset
from portal.picture_urls import picture_url

HTML = "text/html"


@cache
def template(name: str) -> Template:
    return Template(asset("templates", name).read_text("utf-8"))


@cache
def not_found_body() -> bytes:
    """The one 404 page: byte-identical for every bad, expired, revoked or foreign link."""
    return asset("templates", "notfound.html").read_bytes()


@cache
def static_file(name: str) -> bytes:
    return asset("static", name).read_bytes()


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, body: str, status: int = 200) -> web.Response:
    text = template("base.html").substitute(title=esc(title), body=body)
    return web.Response(text=text, status=status, content_type=HTML, charset="utf-8")


def not_found() -> web.Response:
    return web.Response(body=not_found_body(), status=404, content_type=HTML, charset="utf-8")


def message(heading: str, text: str, status: int) -> web.Response:
    body = template("message.html").substitute(heading=esc(heading), message=esc(text))
    return page(heading, body, status)


def pin_page(
    album: str, studio: str, csrf: str, error: str = "", status: int = 200
) -> web.Response:
    body = template("pin.html").substitute(
        album=esc(album), studio=esc(studio), csrf=esc(csrf), error=esc(error)
    )
    return page(album, body, status)


def name_page(
    album: str, studio: str, csrf: str, error: str = "", status: int = 200
) -> web.Response:
    body = template("name.html").substitute(
        album=esc(album), studio=esc(studio), csrf=esc(csrf), error=esc(error)
    )
    return page(album, body, status)


def counter_text(g: Gallery) -> str:
    if g.stage is not Stage.RATE:
        return ""
    limit = f" of {g.max_select}" if g.max_select is not None else ""
    return f"{g.picks}{limit} picked"


def _item(p: GalleryPhoto, index: int, g: Gallery, mark: str) -> str:
    label = p.filename or f"photo {index}"
    classes = (" picked" if p.picked else "") + (f" {p.decision}" if p.decision else "")
    return template("item.html").substitute(
        id=esc(p.id),
        grid=esc(_url(p, "grid", mark)),
        label=esc(label),
        caption=esc(p.filename or ""),
        classes=esc(classes),
        picked="true" if p.picked else "false",
        pick_attr="" if g.can_pick else "hidden",
        retouch="1" if p.has_retouch else "0",
        width=esc(p.width or 512),
        height=esc(p.height or 512),
        download_attr="" if g.downloads else "hidden",
    )


def _url(p: GalleryPhoto, size: str, mark: str) -> str:
    current = dict(p.pictures).get("current")
    return picture_url(size, current, mark) if current else ""


def _cover(g: Gallery, mark: str) -> str:
    cover = next((p for p in g.photos if p.id == g.cover), None)
    if cover is None:
        return ""
    return f'<img id="cover" src="{esc(_url(cover, "loupe", mark))}" alt="">'


def gallery_page(
    g: Gallery, csrf: str, nonce: str, mark: str, *, download_pin: bool = False
) -> web.Response:
    """The gallery; `download_pin`: the page asks the link's download PIN before a download."""
    items = "\n".join(_item(p, i, g, mark) for i, p in enumerate(g.photos, 1))
    body = template("gallery.html").substitute(
        album=esc(g.album),
        studio=esc(g.studio),
        stage=esc(g.stage.value),
        stage_label=esc(g.words.label),
        stage_note=esc(g.words.note),
        guest=esc(g.guest),
        cover=_cover(g, mark),
        hero_class="" if g.cover is not None else " plain",
        count_all=esc(len(g.photos)),
        picks=esc(g.picks),
        favourites_attr="" if g.stage is Stage.RATE or g.picks else "hidden",
        counter=esc(counter_text(g)),
        submit_attr="" if g.can_pick else "hidden",
        sent_attr="" if g.locked else "hidden",
        items=items or '<p class="empty">No photos here yet.</p>',
        csrf=esc(csrf),
        nonce=esc(nonce),
        download_attr="" if g.downloads else "hidden",
        download_pin="1" if download_pin else "0",
    )
    response = page(g.album, body)
    response.headers["Cache-Control"] = "no-store"
    return response


def unsubscribe_page(token: str) -> web.Response:
    body = (
        '<main class="card"><h1>Stop reminders?</h1>'
        "<p>You will get no more reminder e-mails about this gallery.</p>"
        f'<form method="post" action="/unsubscribe/{esc(token)}">'
        '<button type="submit">Stop reminders</button></form></main>'
    )
    return page("Stop reminders", body)
