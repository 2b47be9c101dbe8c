"""The portal's JSON API (described in resources/portal/openapi.json): the gallery and the
client's actions on it. Only what the client may see goes out: no owner addresses, no GPS, no
camera data, filenames only where the link shows them."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from core.errors import Invalid
from core.services.client import Gallery, GalleryPhoto
from core.services.client_gallery import CommentView
from portal.assets import asset
from portal.picture_urls import mark_for, picture_url, watermark_of
from portal.state import guest_of, photo_id, state_of

# The largest body a valid request can have: a 2000-character note or comment of astral
# characters JSON-escaped as surrogate pairs is 12 bytes a character. Below that, a note
# that is merely too long got 413 instead of the 400 that names the rule it broke.
JSON_MAX = 32 * 1024


def gallery_json(g: Gallery, mark: str) -> dict[str, Any]:
    return {
        "album": g.album,
        "studio": g.studio,
        "stage": g.stage.value,
        "round": g.round,
        "guest": g.guest,
        "max_select": g.max_select,
        "picks": g.picks,
        "submitted": g.submitted,
        "submitted_at": g.submitted_at.isoformat() if g.submitted_at else None,
        "stage_label": g.words.label,
        "stage_note": g.words.note,
        "cover": str(g.cover) if g.cover else None,
        "can_pick": g.can_pick,
        "can_decide": g.can_decide,
        "downloads": g.downloads,
        "photos": [photo_json(p, mark) for p in g.photos],
    }


def pictures_json(p: GalleryPhoto, mark: str) -> dict[str, str]:
    """The photo's picture addresses: `grid` and `loupe` of what it looks like now, `original`
    and `retouched` (loupe size) for the before and after."""
    hashes = dict(p.pictures)
    urls = {}
    if "current" in hashes:
        urls["grid"] = picture_url("grid", hashes["current"], mark)
        urls["loupe"] = picture_url("loupe", hashes["current"], mark)
    for variant in ("original", "retouched"):
        if variant in hashes:
            urls[variant] = picture_url("loupe", hashes[variant], mark)
    return urls


def photo_json(p: GalleryPhoto, mark: str) -> dict[str, Any]:
    return {
        "id": str(p.id),
        "filename": p.filename,
        "width": p.width,
        "height": p.height,
        "picked": p.picked,
        "stars": p.stars,
        "selected": p.selected,
        "has_retouch": p.has_retouch,
        "decision": p.decision,
        "comments": [comment_json(c) for c in p.comments],
        "pictures": pictures_json(p, mark),
    }


def comment_json(c: CommentView) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "by": c.by,
        "text": c.text,
        "at": c.at.isoformat(),
        "mine": c.mine,
        "kind": c.kind,
        "reply_to": str(c.reply_to) if c.reply_to else None,
    }


async def body(request: web.Request) -> dict[str, Any]:
    """A small JSON object body, or a plain 400/413."""
    if request.content_length is not None and request.content_length > JSON_MAX:
        raise web.HTTPRequestEntityTooLarge(max_size=JSON_MAX, actual_size=request.content_length)
    if request.content_type != "application/json":
        raise Invalid("Send JSON (Content-Type: application/json).")
    raw = await request.content.read(JSON_MAX + 1)
    if len(raw) > JSON_MAX:
        raise web.HTTPRequestEntityTooLarge(max_size=JSON_MAX, actual_size=len(raw))
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise Invalid("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise Invalid("The request body must be a JSON object.")
    return data


def _bool(data: dict[str, Any], key: str, default: bool | None = None) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise Invalid(f"{key} must be true or false.")
    return value


def _text(data: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise Invalid(f"{key} must be text.")
    return value


async def get_gallery(request: web.Request) -> web.Response:
    _, access, guest = await guest_of(request)
    g = await state_of(request).services.client.gallery(guest)
    return no_store(web.json_response(gallery_json(g, mark_for(watermark_of(access)))))


async def pick(request: web.Request) -> web.Response:
    _, access, guest = await guest_of(request)
    pid = photo_id(request)
    picked = _bool(await body(request), "picked", True)
    count = await state_of(request).services.client.pick(guest, pid, picked)
    return no_store(
        web.json_response({"picked": picked, "picks": count, "max_select": access.max_select})
    )


async def rate(request: web.Request) -> web.Response:
    _, _, guest = await guest_of(request)
    pid = photo_id(request)
    stars = (await body(request)).get("stars")
    if not isinstance(stars, int) or isinstance(stars, bool):
        raise Invalid("stars must be a whole number from 0 to 5.")
    got = await state_of(request).services.client.rate(guest, pid, stars)
    return no_store(web.json_response({"stars": got}))


async def comment(request: web.Request) -> web.Response:
    _, _, guest = await guest_of(request)
    pid = photo_id(request)
    text = _text(await body(request), "text") or ""
    c = await state_of(request).services.client.comment(guest, pid, text)
    return no_store(
        web.json_response(
            comment_json(c),
            status=201,
        )
    )


async def decide(request: web.Request) -> web.Response:
    _, _, guest = await guest_of(request)
    pid = photo_id(request)
    data = await body(request)
    approve = _bool(data, "approve")
    note = _text(data, "note", required=False)
    kind = await state_of(request).services.client.decide(guest, pid, approve, note)
    return no_store(web.json_response({"decision": kind}))


async def submit(request: web.Request) -> web.Response:
    _, _, guest = await guest_of(request)
    await body(request)
    count = await state_of(request).services.client.submit(guest)
    return no_store(web.json_response({"submitted": count}))


async def openapi(request: web.Request) -> web.Response:
    response = web.Response(
        body=asset("openapi.json").read_bytes(), content_type="application/json"
    )
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def no_store(response: web.Response) -> web.Response:
    response.headers["Cache-Control"] = "no-store"
    return response
