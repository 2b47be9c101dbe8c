"""One handler per subcommand: call the service, hand back (data for JSON, text for people)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.cli.delivery import HANDLERS as DELIVERY_HANDLERS
from app.cli.delivery import deliver, delivery_json, delivery_text
from app.cli.drive import drive_connect, drive_disconnect, drive_status
from app.cli.output import album_json, album_text, plain
from app.cli.replies_mail import HANDLERS as REPLIES_MAIL
from core.errors import Invalid
from core.policies import Actor, Role
from core.workflow import Stage

if TYPE_CHECKING:
    from core.services import Services
    from core.services.links import PublishedLink

Result = tuple[Any, str]
Handler = Callable[["Services", Actor, argparse.Namespace], Awaitable[Result]]


async def tenant_create(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    t = await s.tenants.create(me, a.name, a.admin)
    return plain(t), f"Studio {t.name!r} created; its admin is {a.admin}."


async def tenant_list(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    rows = await s.tenants.list(me)
    text = "\n".join(
        f"{t.name}{'  (suspended)' if t.suspended else ''}  {t.user_count} users, "
        f"{t.album_count} albums"
        for t in rows
    )
    return plain(rows), text


async def tenant_suspend(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    t = await s.tenants.suspend(me, a.name, a.reason)
    return plain(t), f"Studio {t.name!r} is suspended."


async def tenant_resume(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    t = await s.tenants.resume(me, a.name)
    return plain(t), f"Studio {t.name!r} is active again."


async def user_add(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    u = await s.users.add(me, a.email, Role(a.role), a.name)
    return plain(u), f"{u.email} added as {u.role.value}."


async def user_invite(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    made = await s.staff.invite(me, a.email, Role(a.role), a.name)
    data = {
        "email": made.email,
        "role": made.role.value,
        "code": made.code,
        "expires_at": made.expires_at.isoformat(),
    }
    text = (
        f"Invitation for {made.email} as {made.role.value}: code {made.code} "
        f"(one use, until {made.expires_at:%Y-%m-%d}).\n"
        f"They run: photoflow connect SERVER_URL --email {made.email} --code {made.code}"
    )
    return data, text


async def user_list(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    rows = await s.users.list(me)
    text = "\n".join(
        f"{u.email:32} {u.role.value:12} {u.name}{'' if u.active else '  (deactivated)'}"
        for u in rows
    )
    return plain(rows), text


async def user_role(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    u = await s.users.set_role(me, a.email, Role(a.role))
    return plain(u), f"{u.email} is now {u.role.value}."


async def user_deactivate(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    u = await s.users.set_active(me, a.email, False)
    return plain(u), f"{u.email} is deactivated."


async def user_activate(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    u = await s.users.set_active(me, a.email, True)
    return plain(u), f"{u.email} is active."


async def album_create(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    al = await s.albums.create(
        me, a.name, client=a.client, min_select=a.min_select, max_select=a.max_select
    )
    return album_json(al), album_text(al)


async def album_list(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    rows = await s.albums.list(me, Stage(a.stage) if a.stage else None)
    lines, stage = [], None
    for al in rows:
        if al.stage != stage:
            stage = al.stage
            lines.append(f"{stage.title}:")
        lines.append(
            f"  {al.name}  ({al.photo_count} photos, {al.selected_count} in the selection)"
        )
    return [album_json(al) for al in rows], "\n".join(lines) or "No albums yet."


async def album_show(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    al = await s.albums.show(me, a.album)
    if al.stage is not Stage.FINAL:
        return album_json(al), album_text(al)
    view = await s.delivery.progress(me, al.id)  # in Final: how its finals stand
    data = {**album_json(al), "delivery": delivery_json(view)}
    return data, album_text(al) + "\n" + delivery_text(al.name, view)


async def album_advance(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    al = await s.albums.advance(me, a.album, Stage(a.to) if a.to else None)
    text = f"{al.name} is now in {al.stage.title} (round {al.round}).\n" + album_text(al)
    if al.stage is Stage.FINAL:  # reaching Final makes the finals, with progress shown
        text += "\n" + delivery_text(al.name, await deliver(s, me, str(al.id), a))
    return album_json(al), text


async def album_reopen(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    al = await s.albums.reopen(me, a.album, Stage(a.to), a.reason)
    return album_json(al), f"{al.name} reopened to {al.stage.title} (round {al.round})."


async def album_limits(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    al = await s.albums.set_limits(me, a.album, a.min_select, a.max_select)
    return album_json(al), album_text(al)


async def album_resolve_failures(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    n = await s.albums.resolve_failures(me, a.album, a.note)
    return {"resolved": n}, f"{n} import failures marked as dealt with."


async def import_files(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    from app.cli.progress import ProgressBar

    bar = None if (a.json or a.no_progress) else ProgressBar()
    report = await s.imports.run(me, a.album, a.paths, a.kind, progress=bar)
    data = {
        "album_id": str(report.album_id),
        "kind": report.kind,
        "imported": report.imported,
        "duplicates": report.duplicates,
        "failed": [{"path": f.path, "reason": f.reason} for f in report.failed],
    }
    lines = [
        f"{len(report.imported)} imported, {len(report.duplicates)} already in the album, "
        f"{len(report.failed)} failed."
    ]
    lines += [f"  failed: {f.path}: {f.reason}" for f in report.failed]
    return data, "\n".join(lines)


async def photo_list(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    from core.imaging.previews import preview_path

    rows = await s.photos.list(me, a.album, order=a.sort)
    guests = await s.photos.guests(me, a.album)
    cache = s.paths.previews

    def preview(h: str | None, size: int) -> str | None:
        if h is None:
            return None
        path = preview_path(cache, h, size)
        return str(path) if path.exists() else None

    data = [
        {
            "id": str(r.id),
            "filename": r.filename,
            "width": r.width,
            "height": r.height,
            "taken_at": r.taken_at.isoformat() if r.taken_at else None,
            "camera": r.camera,
            "lens": r.lens,
            "stars": r.stars,
            "flag": r.flag,
            "label": r.label,
            "selected": r.selected,
            "client_picks": r.client_picks,
            "comments": r.comments,
            "client_stars": r.client_stars or None,
            "guests": [g.as_dict() for g in guests.get(r.id, ())],
            "thumbnail": preview(r.preview_hash, 512),
            "preview": preview(r.preview_hash, 2048),
        }
        for r in rows
    ]
    text = "\n".join(
        f"{r.filename:32} {r.width or '?'}x{r.height or '?'}  {'*' * r.stars:5} "
        f"{r.flag or '':6} {r.label or '':7} {'in the selection' if r.selected else ''}"
        for r in rows
    )
    return data, text or "No photos yet."


async def _marks(coro: Awaitable[Any], verb: str) -> Result:
    m = await coro
    flag = f", {m.flag}" if m.flag else ""
    label = f", {m.label}" if m.label else ""
    sel = ", in the selection" if m.selected else ""
    return plain(m), f"{m.filename}: {m.stars} stars{flag}{label}{sel} ({verb})"


async def photo_rate(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    return await _marks(s.photos.rate(me, a.album, a.photo, a.stars), "rated")


async def photo_pick(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    return await _marks(s.photos.flag(me, a.album, a.photo, "pick"), "picked")


async def photo_reject(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    return await _marks(s.photos.flag(me, a.album, a.photo, "reject"), "rejected")


async def photo_unflag(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    return await _marks(s.photos.flag(me, a.album, a.photo, None), "unflagged")


async def photo_label(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    return await _marks(s.photos.label(me, a.album, a.photo, a.colour), "labelled")


async def photo_select(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    return await _marks(s.photos.select(me, a.album, a.photo, True), "put in the selection")


async def photo_deselect(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    return await _marks(s.photos.select(me, a.album, a.photo, False), "taken out of the selection")


async def photo_approve(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    return await _marks(s.photos.decide(me, a.album, a.photo, True, a.note), "approved")


async def photo_request_changes(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    return await _marks(s.photos.decide(me, a.album, a.photo, False, a.note), "changes requested")


async def settings_show(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    studio, settings = await s.settings.get(me)
    data = {"studio": studio, **settings.to_dict()}
    return data, "\n".join(f"{k:22} {v}" for k, v in data.items())


def _setting_value(current: object, text: str) -> object:
    if isinstance(current, bool):
        if text.lower() not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
            raise ValueError(f"{text!r} is not yes or no")
        return text.lower() in ("true", "yes", "on", "1")
    if text.lower() in ("none", "") and (current is None or isinstance(current, int)):
        return None
    if isinstance(current, int) or (current is None and text.isdigit()):
        if not text.lstrip("-").isdigit():
            raise ValueError(f"{text!r} is not a whole number")
        return int(text)
    return text


async def settings_set(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    _, current = await s.settings.get(me)
    values = current.to_dict()
    changes: dict[str, object] = {}
    studio_name = None
    for pair in a.pairs:
        key, sep, text = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep:
            raise ValueError(f"{pair!r}: write settings as KEY=VALUE")
        if key == "studio":
            studio_name = text
        elif key not in values:
            raise ValueError(f"unknown setting {key!r}; see `photoflow settings show`")
        else:
            changes[key] = _setting_value(values[key], text.strip())
    studio, settings = await s.settings.update(me, studio_name=studio_name, **changes)
    data = {"studio": studio, **settings.to_dict()}
    return data, "\n".join(f"{k:22} {v}" for k, v in data.items())


async def audit(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    rows = await s.audit.events(
        me, album=a.album, action=a.action, outcome=a.outcome, limit=a.limit
    )
    data = [
        {
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
            "outcome": e.outcome,
            "message": e.message,
            "duration_ms": e.duration_ms,
            "detail": e.detail,
        }
        for e in rows
    ]
    text = "\n".join(
        f"{e.at:%Y-%m-%d %H:%M:%S}  {e.outcome:8} {e.action:22} {e.target or '':30} "
        f"{e.actor}  {e.duration_ms:.1f} ms" + (f"\n    {e.message}" if e.message else "")
        for e in rows
    )
    return data, text or "Nothing in the audit log yet."


async def sync_status(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    status = await s.replica.status()
    data = {
        "server": status.server_url,
        "waiting": status.waiting,
        "last_sync": status.last_sync.isoformat() if status.last_sync else None,
        "pulled_seq": status.pulled_seq,
        "conflicts": [
            {"at": c.at.isoformat(), "action": c.action, "message": c.message}
            for c in status.conflicts
        ],
    }
    if status.server_url is None:
        return data, "This desktop is not connected to a studio server."
    last = f"{status.last_sync:%Y-%m-%d %H:%M:%S} UTC" if status.last_sync else "never"
    lines = [
        f"Studio server: {status.server_url}",
        f"Changes waiting: {status.waiting}",
        f"Last sync: {last}",
        f"Conflicts: {len(status.conflicts)}",
    ]
    lines += [f"  {c.at:%Y-%m-%d %H:%M}  {c.message}" for c in status.conflicts]
    return data, "\n".join(lines)


# --- client portal (issue 5) ---------------------------------------------------------------


def _link_json(v: Any) -> dict[str, Any]:
    data = plain(v)
    data["active"] = v.active
    return data


async def link_create(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    made = await s.links.create(
        me,
        a.album,
        expires_days=a.expires,
        pin=a.pin,
        max_select=a.max_select,
        allow_download=a.allow_download,
        watermark=a.watermark,
        show_filenames=a.show_filenames,
        guest_name=a.guest,
        download_size=a.download_size,
        download_pin=a.download_pin,
    )
    return _address(made)


def _address(made: PublishedLink) -> Result:
    """The link's address; a warning on stderr when clients cannot reach the portal there."""
    from core.portal_address import lan_base_url, unreachable_reason

    expires = made.expires_at.isoformat() if made.expires_at else None
    warning = unreachable_reason(made.url.rsplit("/g/", 1)[0])  # the portal address, no token
    data = {"url": made.url, "id": str(made.id), "expires_at": expires, "warning": warning}
    if warning:
        lan = lan_base_url(urlsplit(made.url).port or 8470) or "http://<this computer's address>"
        print(
            f"photoflow: warning: {warning} Set the address clients use, for this computer on "
            f"the studio's network: photoflow settings set portal_base_url={lan} "
            "portal_host=0.0.0.0; or the studio's public address behind a proxy: "
            "photoflow settings set portal_base_url=https://photos.example.com",
            file=sys.stderr,
        )
    return data, made.url


async def link_show(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    return _address(await s.links.show(me, a.link))


async def link_unlock(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    done = await s.links.unlock(me, a.link, a.guest)
    data = {"link": str(done.link.id), "reopened": list(done.guests)}
    return data, (
        f"Reopened the selection {', '.join(done.guests)} sent through link "
        f"{str(done.link.id)[:8]}: they can change their picks and send again."
    )


async def link_list(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    rows = await s.links.list(me, a.album)
    lines = []
    for v in rows:
        state = "revoked" if v.revoked_at else ("active" if v.active else "expired")
        extras = [
            "pin" if v.has_pin else "",
            f"max {v.max_select}" if v.max_select else "",
            f"download {v.download_size}" if v.allow_download else "",
            "download pin" if v.has_download_pin else "",
            "watermark" if v.watermark else "",
            f"guest {v.guest_name}" if v.guest_name else "",
            f"selection sent by {', '.join(v.sent_by)}" if v.sent_by else "",
        ]
        until = f"until {v.expires_at:%Y-%m-%d}" if v.expires_at else ""
        lines.append(
            f"{str(v.id)[:8]}  {state:8} {until:16} {', '.join(e for e in extras if e)}".rstrip()
        )
    return [_link_json(v) for v in rows], "\n".join(lines) or "No links for this album yet."


async def link_revoke(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    v = await s.links.revoke(me, a.link)
    return _link_json(v), f"Link {str(v.id)[:8]} of {v.album} is revoked."


async def album_picks(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    picks = await s.links.picks(me, a.album)
    data = {
        "album": picks.album,
        "filenames": list(picks.filenames),
        "lightroom": picks.lightroom,
    }
    return data, picks.lightroom if a.lightroom else picks.text


async def portal(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    from app.serve_portal import serve_until_stopped

    await serve_until_stopped(s, me, a.host, a.port, a.trusted_proxy or ())
    return {}, "Portal stopped."


async def _watch(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    from app.cli.watch import watch

    return await watch(s, me, a)


# --- delivery (issue 14): the studio's copy of an album's finals ---------------------------------


async def album_export(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    from core.delivery_zip import FinalsZip, export_folder, studio_members

    album = await s.albums.show(me, a.album)
    finals = [f for f in await s.delivery.finals(me, album.id) if a.preset in (None, f.preset)]
    if not finals:
        which = f" through preset {a.preset!r}" if a.preset else ""
        raise Invalid(
            f"{album.name} has no finals{which} yet; make them with: "
            f"photoflow album deliver {album.name!r}"
        )
    members = studio_members(finals)
    target = Path(a.to).expanduser()
    if a.zip:
        if target.suffix.lower() != ".zip":
            target = target / f"{album.name}.zip"
        size = await asyncio.to_thread(FinalsZip(members).save, target)
        data = {"zip": str(target), "files": len(members), "bytes": size}
        return data, f"Saved {len(members)} finals of {album.name} as {target} ({size:,} bytes)."
    written = await asyncio.to_thread(export_folder, members, target)
    data = {"folder": str(target), "files": [str(p) for p in written]}
    return data, f"Copied {len(written)} finals of {album.name} into {target}."


async def _drive_sync(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    from app.cli.drive_sync import drive_sync

    return await drive_sync(s, me, a)


HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("sync", "status"): sync_status,
    ("tenant", "create"): tenant_create,
    ("tenant", "list"): tenant_list,
    ("tenant", "suspend"): tenant_suspend,
    ("tenant", "resume"): tenant_resume,
    ("user", "add"): user_add,
    ("user", "invite"): user_invite,
    ("user", "list"): user_list,
    ("user", "role"): user_role,
    ("user", "deactivate"): user_deactivate,
    ("user", "activate"): user_activate,
    ("album", "create"): album_create,
    ("album", "list"): album_list,
    ("album", "show"): album_show,
    ("album", "advance"): album_advance,
    ("album", "reopen"): album_reopen,
    ("album", "limits"): album_limits,
    ("album", "resolve-failures"): album_resolve_failures,
    ("import", None): import_files,
    ("photo", "list"): photo_list,
    ("photo", "rate"): photo_rate,
    ("photo", "pick"): photo_pick,
    ("photo", "reject"): photo_reject,
    ("photo", "unflag"): photo_unflag,
    ("photo", "label"): photo_label,
    ("photo", "select"): photo_select,
    ("photo", "deselect"): photo_deselect,
    ("photo", "approve"): photo_approve,
    ("photo", "request-changes"): photo_request_changes,
    ("audit", None): audit,
    ("settings", "show"): settings_show,
    ("settings", "set"): settings_set,
    # client portal (issue 5)
    ("link", "create"): link_create,
    ("link", "list"): link_list,
    ("link", "revoke"): link_revoke,
    ("link", "show"): link_show,
    ("link", "unlock"): link_unlock,
    ("album", "picks"): album_picks,
    ("portal", None): portal,
    ("watch", None): _watch,
    # delivery (issue 14)
    ("album", "export"): album_export,
    **DELIVERY_HANDLERS,
    # Google Drive (issue 13)
    ("drive", "connect"): drive_connect,
    ("drive", "disconnect"): drive_disconnect,
    ("drive", "status"): drive_status,
    # Google Drive sync (issue 13)
    ("sync", "drive"): _drive_sync,
}
# delivery (issue 14): replies to clients, and invitations by e-mail
HANDLERS.update(REPLIES_MAIL)
