"""Audit actions as an admin reads them: "imported 35 photos", not `album.import_files`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

Detail = Mapping[str, Any]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _count(value: Any) -> int:
    if isinstance(value, list | tuple):
        return len(value)
    return int(value) if isinstance(value, int | float) else 0


def _import(d: Detail) -> str:
    n = _count(d.get("files"))
    kind = d.get("kind") or "original"
    what = "photo" if kind == "original" else f"{kind} version"
    return f"imported {_plural(n, what)}"


def _shared_versions(d: Detail) -> str:
    kinds = [k for k in d.get("kinds") or () if isinstance(k, str)]
    what = f"{kinds[0]} version" if len(kinds) == 1 else "version"
    return f"added {_plural(_count(d.get('files')), what)} imported on another computer"


def _move(d: Detail) -> str:
    to = str(d.get("to") or "").capitalize()
    if d.get("new_round"):
        return f"started retouch round {d['new_round']}"
    return f"moved the album to {to}" if to else "tried to move the album"


def _from_to(d: Detail, key: str, noun: str) -> str:
    change = d.get(key)
    if isinstance(change, dict):
        to = change.get("to")
        return f"set the {noun} to {to}" if to not in (None, "", 0) else f"cleared the {noun}"
    return f"changed the {noun}"


def _role(d: Detail) -> str:
    role = d.get("role")
    if isinstance(role, dict):
        return f"changed the role from {role.get('from')} to {role.get('to')}"
    return f"added a user as {role}" if role else "added a user"


WORDS: dict[str, Callable[[Detail], str]] = {
    "album.create": lambda d: "created the album",
    "album.advance": _move,
    "album.reopen": lambda d: (
        f"reopened the album in {str(d.get('to', '')).capitalize()}"
        + (f" because {d['reason']}" if d.get("reason") else "")
    ),
    "album.import": lambda d: f"started an import of {_plural(_count(d.get('files')), 'file')}",
    "album.import_files": _import,
    "album.import_versions": _shared_versions,
    "album.resolve_failures": lambda d: (
        f"marked {_plural(_count(d.get('resolved')), 'import failure')} as dealt with"
    ),
    "album.set_limits": lambda d: "changed the selection limits",
    "album.rename": lambda d: f"renamed the album to {d.get('to', '')}",
    "album.trash": lambda d: "moved the album to the trash",
    "album.restore": lambda d: "brought the album back from the trash",
    "album.empty_trash": lambda d: (
        f"emptied the trash ({_plural(_count(d.get('albums')), 'album')})"
    ),
    "photo.import_failed": lambda d: f"could not import a file: {d.get('reason', 'unreadable')}",
    "photo.import_withdrawn": lambda d: "withdrew a photo whose import did not finish",
    "photo.rate": lambda d: _from_to(d, "stars", "stars"),
    "photo.flag": lambda d: _from_to(d, "flag", "flag"),
    "photo.label": lambda d: _from_to(d, "label", "colour label"),
    "photo.select": lambda d: (
        "put the photo in the selection" if d.get("selected") else "took it out of the selection"
    ),
    "photo.approve": lambda d: "approved the photo for the client",
    "photo.request_changes": lambda d: "asked for changes for the client",
    "link.create": lambda d: "published a client link",
    "link.revoke": lambda d: "revoked a client link",
    "link.access": lambda d: "opened the gallery",
    "client.pick": lambda d: "picked a photo",
    "client.unpick": lambda d: "took back a pick",
    "client.rate": lambda d: f"gave {_plural(_count(d.get('stars')), 'star')}",
    "client.comment": lambda d: "commented on a photo",
    "client.submit": lambda d: f"sent the selection ({_plural(_count(d.get('picks')), 'pick')})",
    "client.approve": lambda d: "approved a retouched photo",
    "client.request_changes": lambda d: "asked for changes to a retouched photo",
    "client.download": lambda d: "downloaded a photo",
    "client.download_all": lambda d: (
        f"downloaded all finals as a zip ({_plural(_count(d.get('files')), 'photo')})"
    ),
    "user.add": _role,
    "user.set_role": _role,
    "user.set_active": lambda d: (
        "reactivated the user" if d.get("active") else "deactivated the user"
    ),
    "settings.update": lambda d: "changed the studio settings",
    "staff.invite": lambda d: (
        f"invited someone as {d['role']}" if d.get("role") else "invited someone"
    ),
    "staff.accept": lambda d: "accepted an invitation and set a password",
    "device.sign_in": lambda d: "signed in on a device",
    "device.sign_out": lambda d: "signed a device out",
    "device.revoke": lambda d: "revoked a device",
    "tenant.create": lambda d: "created the studio",
    "tenant.suspend": lambda d: "suspended the studio",
    "tenant.resume": lambda d: "resumed the studio",
    "installation.init": lambda d: "set up PhotoFlow",
    # Google Drive sync (issue 13)
    "drive.folders": lambda d: "set up the album's folders in Google Drive",
    "drive.upload": lambda d: f"uploaded the {d.get('kind', 'original')} to Google Drive",
    "drive.download": lambda d: f"took in the {d.get('kind', 'original')} from Google Drive",
    "drive.rename": lambda d: f"followed a rename in Google Drive (was {d.get('was', '?')})",
    "drive.adopt": lambda d: "found the file already the same in Google Drive",
    "drive.deleted": lambda d: (
        "stopped syncing a file deleted in Google Drive (kept here)"
        if d.get("side") == "drive"
        else "moved a file deleted here to Google Drive's trash"
    ),
    "drive.conflict": lambda d: "kept both copies of a file changed here and in Google Drive",
    "drive.sync": lambda d: "synced the album with Google Drive",
}


# The first verb of a sentence above, for "tried to ..." when the action was not done.
INFINITIVES = {
    "moved": "move", "created": "create", "imported": "import", "marked": "mark",
    "cleared": "clear", "took": "take", "approved": "approve", "asked": "ask",
    "published": "publish", "revoked": "revoke", "picked": "pick", "gave": "give",
    "commented": "comment", "sent": "send", "added": "add", "changed": "change",
    "reactivated": "reactivate", "deactivated": "deactivate", "suspended": "suspend",
    "resumed": "resume", "renamed": "rename", "reopened": "reopen", "emptied": "empty",
    "brought": "bring", "started": "start", "withdrew": "withdraw", "opened": "open",
    "set": "set", "put": "put", "invited": "invite", "accepted": "accept", "signed": "sign",
    "uploaded": "upload", "followed": "follow", "found": "find",
    "stopped": "stop", "kept": "keep", "synced": "sync",
}  # fmt: skip


def describe(action: str, detail: Detail | None = None, outcome: str = "ok") -> str:
    """The action in words ("tried to ..." when it was refused, denied or failed); an action
    nobody named yet reads as its dotted name in words."""
    text = action.replace(".", " ").replace("_", " ")
    words = WORDS.get(action)
    if words is not None:
        with contextlib.suppress(TypeError, ValueError, KeyError):  # an odd old detail
            text = words(detail or {})
    if outcome != "ok":
        verb, _, rest = text.partition(" ")
        if verb in INFINITIVES:
            return f"tried to {INFINITIVES[verb]} {rest}".strip()
    return text


def outcome_words(outcome: str) -> str:
    return {"ok": "done", "refused": "refused", "denied": "not allowed", "failed": "failed"}.get(
        outcome, outcome
    )
