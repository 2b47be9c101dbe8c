"""The pages a client walks through: the link, the PIN, their name, the gallery."""

from __future__ import annotations

import logging

from aiohttp import web

from core.errors import Invalid, NotFound, NotPermitted
from core.services.client import TooManyAttempts, WrongPin, clean_name
from portal import pages
from portal.middlewares import nonce_of
from portal.picture_urls import mark_for, watermark_of
from portal.state import GalleryGone, client_address, session_of, state_of, visitor

log = logging.getLogger(__name__)
FORM_MAX = 4096


async def open_link(request: web.Request) -> web.StreamResponse:
    """GET /g/{token}: exchange the token for a session cookie, then drop the token from the URL."""
    state = state_of(request)
    try:
        access = await state.services.client.open(request.match_info["token"])
    except (NotFound, NotPermitted):
        return pages.not_found()
    current = session_of(request)
    name = access.guest_name or ""
    if current is not None and current.link_id == access.link_id:
        session = current  # the same browser opening its link again keeps its name and PIN
    else:
        session = state.sessions.new(access.link_id, pin_ok=not access.needs_pin, name=name)
    response = redirect("/gallery")
    state.sessions.set_cookie(request, response, session)
    response.headers["Cache-Control"] = "no-store"
    return response


async def gallery(request: web.Request) -> web.StreamResponse:
    """GET /gallery: the PIN form, the name form, or the gallery itself."""
    state = state_of(request)
    session, access = await visitor(request)
    csrf = state.sessions.csrf(session)
    if access.needs_pin and not session.pin_ok:
        return pages.pin_page(access.album, access.studio, csrf)
    name = access.guest_name or session.name
    if not name:
        return pages.name_page(access.album, access.studio, csrf)
    g = await state.services.client.gallery(access.guest(name))
    return pages.gallery_page(
        g,
        csrf,
        nonce_of(request),
        mark_for(watermark_of(access)),
        download_pin=access.needs_download_pin and not session.download_ok,
    )


async def _form(request: web.Request) -> dict[str, str]:
    if request.content_length is not None and request.content_length > FORM_MAX:
        raise web.HTTPRequestEntityTooLarge(max_size=FORM_MAX, actual_size=request.content_length)
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Invalid("Send the form from the gallery page.")
    data = await request.post()
    return {k: v for k, v in data.items() if isinstance(v, str)}


async def submit_pin(request: web.Request) -> web.StreamResponse:
    """POST /pin: the PIN only ever travels in a POST body."""
    state = state_of(request)
    session, access = await visitor(request)
    form = await _form(request)
    if not state.sessions.csrf_ok(session, form.get("csrf")):
        raise web.HTTPForbidden(text="This form has expired; reload the page.")
    csrf = state.sessions.csrf(session)
    try:
        await state.services.client.check_pin(
            access.link_id, form.get("pin", ""), client_address(request)
        )
    except TooManyAttempts as exc:
        response = pages.pin_page(access.album, access.studio, csrf, str(exc), status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except WrongPin as exc:
        return pages.pin_page(access.album, access.studio, csrf, str(exc), status=403)
    response = redirect("/gallery")
    state.sessions.set_cookie(request, response, session.with_pin())
    return response


async def submit_name(request: web.Request) -> web.StreamResponse:
    """POST /name: the guest says who they are, once."""
    state = state_of(request)
    session, access = await visitor(request)
    if access.needs_pin and not session.pin_ok:
        raise GalleryGone()
    form = await _form(request)
    if not state.sessions.csrf_ok(session, form.get("csrf")):
        raise web.HTTPForbidden(text="This form has expired; reload the page.")
    try:
        name = clean_name(form.get("name", ""))
    except Invalid as exc:
        csrf = state.sessions.csrf(session)
        return pages.name_page(access.album, access.studio, csrf, str(exc), status=400)
    response = redirect("/gallery")
    state.sessions.set_cookie(request, response, session.named(name))
    return response


async def leave(request: web.Request) -> web.StreamResponse:
    """GET /: nothing to see without a link."""
    if session_of(request) is not None:
        return redirect("/gallery")
    return pages.not_found()


async def static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    types = {"gallery.js": "text/javascript", "portal.css": "text/css"}
    types["downloads.js"] = "text/javascript"
    if name not in types:
        return pages.not_found()
    response = web.Response(body=pages.static_file(name), content_type=types[name])
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def redirect(location: str) -> web.Response:
    response = web.Response(status=303, headers={"Location": location})
    response.headers["Cache-Control"] = "no-store"
    return response


async def unsubscribe(request: web.Request) -> web.StreamResponse:
    """GET shows a button (a mail scanner that follows links stops nothing); POST stops the
    reminders of that link to that address. A token that is not one gets the plain 404."""
    token = request.match_info["token"]
    if request.method == "POST":
        if not await state_of(request).services.mail.stop_reminders(token):
            return pages.not_found()
        return pages.message(
            "Reminders stopped", "You will get no more reminders about this gallery.", 200
        )
    return pages.unsubscribe_page(token)
