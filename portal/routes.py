"""The portal's URL map. Pictures are addressed by content hash, photos by opaque id."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from portal import api, downloads, live, previews, views
from portal.middlewares import CATCH_ALL, SERVER_ERRORS, ServerErrors, guarded, unmatched
from portal.picture_urls import PICTURE

PHOTO = r"/api/photos/{photo_id:[0-9a-fA-F-]{32,36}}"
UNSUBSCRIBE = r"/unsubscribe/{token:[0-9a-f-]{36}\.[A-Za-z0-9_-]{20,64}}"


def setup_routes(
    app: web.Application, more_routes: Callable[[web.Application], None] | None = None
) -> None:
    router = app.router
    app[SERVER_ERRORS] = ServerErrors()  # what the guard of every route counts

    def get(path: str, handler: Handler) -> None:
        router.add_get(path, guarded(handler))

    def post(path: str, handler: Handler) -> None:
        router.add_post(path, guarded(handler))

    get("/", views.leave)
    get(r"/g/{token:[A-Za-z0-9_-]{1,200}}", views.open_link)
    get("/gallery", views.gallery)
    post("/pin", views.submit_pin)
    post("/name", views.submit_name)
    get(r"/static/{name:[a-z]+\.(js|css)}", views.static)
    get("/api/openapi.json", api.openapi)
    get("/api/gallery", api.get_gallery)
    post("/api/submit", api.submit)
    get(PICTURE, previews.picture)
    get(PHOTO + "/preview", previews.preview)
    get(PHOTO + "/download", downloads.download_one)
    get(downloads.ZIP_PATH, downloads.download_all)
    post(downloads.PIN_PATH, downloads.give_pin)
    post(PHOTO + "/pick", api.pick)
    post(PHOTO + "/stars", api.rate)
    post(PHOTO + "/comments", api.comment)
    post(PHOTO + "/decision", api.decide)
    get("/api/live", live.live)
    # delivery (issue 14): a reminder's unsubscribe address
    get(UNSUBSCRIBE, views.unsubscribe)
    post(UNSUBSCRIBE, views.unsubscribe)
    if more_routes is not None:  # the studio server's own (they guard themselves)
        more_routes(app)
    # Last: any other path or method gets the same plain 404 (or 405) as before, guarded too.
    # [\s\S], not ".": a path with an encoded newline must land here too, not in aiohttp's own 404.
    router.add_route("*", CATCH_ALL.replace("}", r":[\s\S]*}"), guarded(unmatched))
