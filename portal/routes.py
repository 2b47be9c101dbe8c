"""The portal's URL map. Pictures are addressed by the catalog's opaque photo id only."""

from __future__ import annotations

from aiohttp import web

from portal import api, live, previews, views

PHOTO = r"/api/photos/{photo_id:[0-9a-fA-F-]{32,36}}"


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", views.leave)
    r.add_get(r"/g/{token:[A-Za-z0-9_-]{1,200}}", views.open_link)
    r.add_get("/gallery", views.gallery)
    r.add_post("/pin", views.submit_pin)
    r.add_post("/name", views.submit_name)
    r.add_get(r"/static/{name:[a-z]+\.(js|css)}", views.static)
    r.add_get("/api/openapi.json", api.openapi)
    r.add_get("/api/gallery", api.get_gallery)
    r.add_post("/api/submit", api.submit)
    # Pictures first: routes under /api/photos are tried in order, and previews are most requests.
    r.add_get(PHOTO + "/preview", previews.preview)
    r.add_get(PHOTO + "/download", previews.download)
    r.add_post(PHOTO + "/pick", api.pick)
    r.add_post(PHOTO + "/stars", api.rate)
    r.add_post(PHOTO + "/comments", api.comment)
    r.add_post(PHOTO + "/decision", api.decide)
    r.add_get("/api/live", live.live)
