"""The service calls a desktop may replay on a studio server: each one names the service method
it calls and how its JSON arguments become that method's arguments. Anything else is refused."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from core.errors import Invalid
from core.policies import Actor
from core.workflow import Stage

if TYPE_CHECKING:
    from core.services import Services

Args = Mapping[str, Any]
Command = Callable[["Services", Actor, Args], Awaitable[object]]


def _id(args: Args, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(args[name]))
    except (KeyError, ValueError):
        raise Invalid(f"The command needs the {name}'s id.") from None


def _text(args: Args, name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str):
        raise Invalid(f"The command needs a {name} as text.")
    return value


def _stage(args: Args) -> Stage:
    try:
        return Stage(args["to"])
    except (KeyError, ValueError):
        raise Invalid("The command needs the stage the album moves to.") from None


def _count(args: Args, name: str) -> int | None:
    value = args.get(name)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise Invalid(f"The {name.replace('_', ' ')} must be a whole number.")
    return value


def _records(args: Args, name: str) -> list[dict[str, Any]]:
    """The list of records (photos, versions, finals) a command brings."""
    records = args.get(name)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise Invalid(f"The command needs the list of its {name}.")
    return records


def _preset(args: Args) -> dict[str, Any]:
    preset = args.get("preset")
    if not isinstance(preset, dict):
        raise Invalid("The command needs the export preset's settings.")
    return preset


def _names(value: Any) -> list[str] | None:
    if value is not None and (
        not isinstance(value, list) or not all(isinstance(n, str) for n in value)
    ):
        raise Invalid("The album's presets are a list of preset names, or none for all.")
    return value


def _changes(args: Args) -> dict[str, Any]:
    changes = args.get("changes")
    if not isinstance(changes, dict) or not all(isinstance(k, str) for k in changes):
        raise Invalid("The command needs the settings it changes.")
    if {"actor", "studio_name"} & set(changes):
        raise Invalid("The studio's name is not one of its settings.")
    return changes


COMMANDS: dict[str, Command] = {
    "album.create": lambda s, a, x: s.albums.create(
        a,
        _text(x, "name"),
        client=x.get("client"),
        min_select=_count(x, "min_select"),
        max_select=_count(x, "max_select"),
        album_id=_id(x, "album_id"),
    ),
    "album.rename": lambda s, a, x: s.albums.rename(a, _id(x, "album"), _text(x, "name")),
    "album.set_limits": lambda s, a, x: s.albums.set_limits(
        a, _id(x, "album"), _count(x, "min_select"), _count(x, "max_select")
    ),
    "album.trash": lambda s, a, x: s.albums.move_to_trash(a, _id(x, "album")),
    "album.restore": lambda s, a, x: s.albums.put_back(a, _id(x, "album")),
    "album.advance": lambda s, a, x: s.albums.advance(a, _id(x, "album"), _stage(x)),
    "album.reopen": lambda s, a, x: s.albums.reopen(
        a, _id(x, "album"), _stage(x), _text(x, "reason")
    ),
    "album.import_files": lambda s, a, x: s.imports.register(
        a, _id(x, "album"), _records(x, "photos")
    ),
    "album.import_versions": lambda s, a, x: s.imports.register_versions(
        a, _id(x, "album"), _records(x, "versions")
    ),
    "photo.rate": lambda s, a, x: s.photos.rate(
        a, _id(x, "album"), str(_id(x, "photo")), _count(x, "stars") or 0
    ),
    "photo.flag": lambda s, a, x: s.photos.flag(
        a, _id(x, "album"), str(_id(x, "photo")), x.get("flag") or None
    ),
    "photo.label": lambda s, a, x: s.photos.label(
        a, _id(x, "album"), str(_id(x, "photo")), x.get("label") or None
    ),
    "photo.select": lambda s, a, x: s.photos.select(
        a, _id(x, "album"), str(_id(x, "photo")), bool(x.get("selected"))
    ),
    "photo.decide": lambda s, a, x: s.photos.decide(
        a,
        _id(x, "album"),
        str(_id(x, "photo")),
        bool(x.get("approve")),
        x.get("note") if isinstance(x.get("note"), str) else None,
    ),
    # delivery (issue 14): a reply keeps its id, so the server's row is the desktop's
    "photo.reply": lambda s, a, x: s.replies.reply(
        a,
        _id(x, "album"),
        str(_id(x, "photo")),
        _text(x, "text"),
        to=_id(x, "to"),
        reply_id=_id(x, "reply"),
    ),
    # the studio server's finals: made on a desktop by presets the server knows too, their
    # files sent up before their rows
    "preset.save": lambda s, a, x: s.delivery.save_preset(
        a, _preset(x), replacing=x.get("replacing") if isinstance(x.get("replacing"), str) else None
    ),
    "preset.delete": lambda s, a, x: s.delivery.delete_preset(a, _text(x, "name")),
    "album.presets": lambda s, a, x: s.delivery.choose_presets(
        a, _id(x, "album"), _names(x.get("presets"))
    ),
    "album.import_finals": lambda s, a, x: s.shared_finals.import_finals(
        a, _id(x, "album"), _records(x, "finals")
    ),
    # the studio's settings and e-mail: the server's postman sends the notices and reminders
    "settings.update": lambda s, a, x: s.settings.update(
        a,
        studio_name=x["studio_name"] if isinstance(x.get("studio_name"), str) else None,
        **_changes(x),
    ),
    "link.invited": lambda s, a, x: s.mail.invited(
        a,
        _id(x, "link"),
        _text(x, "to"),
        _id(x, "message"),
        x["token"] if isinstance(x.get("token"), str) else None,
    ),
    "link.create": lambda s, a, x: s.links.copy(a, _id(x, "album"), dict(x)),
    "link.revoke": lambda s, a, x: s.links.revoke(a, _id(x, "link")),
    "link.unlock": lambda s, a, x: s.links.unlock(
        a, _id(x, "link"), x.get("guest") if isinstance(x.get("guest"), str) else None
    ),
}

# What a refused command was, in the words of the sentence that tells the user.
WHAT: dict[str, str] = {
    "album.create": "new album",
    "album.rename": "new name",
    "album.set_limits": "change of selection limits",
    "album.trash": "move to the trash",
    "album.restore": "restore from the trash",
    "album.advance": "stage move",
    "album.reopen": "reopen",
    "album.import_files": "import",
    "album.import_versions": "import of stock or retouched files",
    "photo.rate": "star rating",
    "photo.flag": "pick or reject",
    "photo.label": "colour label",
    "photo.select": "selection change",
    "photo.decide": "approval or change request",
    "photo.reply": "reply to a client",
    "preset.save": "export preset",
    "preset.delete": "deletion of an export preset",
    "album.presets": "choice of export presets",
    "album.import_finals": "delivery of finals to the server",
    "settings.update": "change of the studio's settings",
    "link.invited": "invitation of a client",
    "link.create": "new client link",
    "link.revoke": "revoke of a client link",
    "link.unlock": "reopening of a sent selection",
}
