"""The command line's grammar: global options and every subcommand."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

# Spelled out here, not imported: building the parser (for --help, --version and shell
# completion) must not load the services. tests/app check them against the services' own lists.
KINDS = ["original", "stock", "retouched"]  # finals are made (album deliver), not imported
STAGES = ["raw", "stock", "rate", "retouch", "feedback", "final"]
ROLES = ["photographer", "editor", "admin", "superadmin"]


def proxy_network(text: str) -> str:
    """--trusted-proxy: an address or a network in CIDR notation (checked, kept as written)."""
    import ipaddress  # small, and only when the option is given

    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an address or a network such as 10.0.0.0/8 or ::1"
        ) from None
    return text.strip()


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


class _NotBuilt:
    """Stands in for the parsers of a command other than the one being run: whatever is added
    to it is dropped."""

    def __getattr__(self, _name: str) -> Any:
        return self._nothing

    def _nothing(self, *_args: Any, **_kwargs: Any) -> Any:
        return self


class _Commands:
    """A level of commands (`album`, then `album show`): every one is named (in `--help`, and in
    the error for a typo), but only the one being run is built with its arguments and its own
    subcommands. Building all ~90 parsers is most of the parser's cost, in argparse's gettext
    lookups."""

    def __init__(self, action: Any, words: Sequence[str] | None) -> None:
        self.action = action
        self.words = words  # the command words still to match; None: build everything

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if self.words is None:
            return self.action.add_parser(name, **kwargs)
        if self.words and name == self.words[0]:
            return _Building(self.action.add_parser(name, **kwargs), self.words[1:])
        self.action.add_parser(name, add_help=False, **kwargs)
        return _NotBuilt()


class _Building:
    """The parser of the command being run; its subcommands are built the same way."""

    def __init__(self, parser: argparse.ArgumentParser, words: Sequence[str]) -> None:
        self.parser = parser
        self.words = words

    def add_subparsers(self, **kwargs: Any) -> _Commands:
        return _Commands(self.parser.add_subparsers(**kwargs), self.words)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.parser, name)


_GLOBAL_VALUES = frozenset({"--home", "--as", "--studio"})  # the global options with a value


def command_words(argv: Sequence[str]) -> list[str]:
    """The words of `argv` that may name its command and subcommand: the first two that are not
    global options (none when help is asked for before them)."""
    words: list[str] = []
    it = iter(argv)
    for word in it:
        if word in _GLOBAL_VALUES and not words:
            next(it, None)
        elif word in ("-h", "--help") and not words:
            return []
        elif not word.startswith("-"):
            words.append(word)
            if len(words) == 2:
                break
    return words


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser; given the arguments it will parse, only their command's part
    of it is built (else all of it: tests, documentation)."""
    parser = argparse.ArgumentParser(
        prog="photoflow",
        description="PhotoFlow: albums from Raw to Final. With no command, opens the desktop app.",
    )
    parser.add_argument("--home", help="PhotoFlow home folder (else PHOTOFLOW_HOME, else app data)")
    parser.add_argument("--as", dest="as_user", metavar="EMAIL", help="act as this user")
    parser.add_argument("--studio", help="superadmin: work in this studio")
    parser.add_argument("--json", action="store_true", default=False, help="print JSON")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="open the desktop window on a temporary demo home, close it, exit",
    )
    words = command_words(argv) if argv is not None else None
    sub: Any = _Commands(parser.add_subparsers(dest="command", metavar="COMMAND"), words)

    p = sub.add_parser("init", help="set up a new home: the first studio and its admin")
    p.add_argument("--studio", dest="init_studio", required=True, metavar="NAME")
    p.add_argument("--admin", required=True, metavar="EMAIL")
    p.add_argument("--name", default="", help="the admin's name")
    _common(p)

    tenant = sub.add_parser("tenant", help="studios (superadmin)").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = tenant.add_parser("create", help="create a studio with its admin")
    p.add_argument("name")
    p.add_argument("--admin", required=True, metavar="EMAIL")
    _common(p)
    _common(tenant.add_parser("list", help="list studios"))
    for verb in ("suspend", "resume"):
        p = tenant.add_parser(verb, help=f"{verb} a studio")
        p.add_argument("name")
        if verb == "suspend":
            p.add_argument("--reason", default="")
        _common(p)

    user = sub.add_parser("user", help="people of the studio (admin)").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = user.add_parser("add", help="add a user")
    p.add_argument("email")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--name", default="")
    _common(p)
    _common(user.add_parser("list", help="list users"))
    p = user.add_parser("invite", help="a one-time code to join (or set a password) on the server")
    p.add_argument("email")
    p.add_argument("--role", default="photographer", choices=ROLES)
    p.add_argument("--name", default="")
    _common(p)
    p = user.add_parser("role", help="change a user's role")
    p.add_argument("email")
    p.add_argument("role", choices=ROLES)
    _common(p)
    for verb in ("deactivate", "activate"):
        p = user.add_parser(verb, help=f"{verb} a user")
        p.add_argument("email")
        _common(p)

    album = sub.add_parser("album", help="albums and their stages").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = album.add_parser("create", help="create an album")
    p.add_argument("name")
    p.add_argument("--client", metavar="NAME")
    p.add_argument("--min-select", type=int, metavar="N")
    p.add_argument("--max-select", type=int, metavar="N")
    _common(p)
    p = album.add_parser("list", help="list albums")
    p.add_argument("--stage", choices=STAGES)
    _common(p)
    p = album.add_parser("show", help="an album, with what blocks its next stage")
    p.add_argument("album")
    _common(p)
    p = album.add_parser("advance", help="move an album forward (or Feedback -> Retouch)")
    p.add_argument("album")
    p.add_argument("--to", choices=STAGES)
    _common(p)
    p = album.add_parser("reopen", help="admin: move an album back, with a reason")
    p.add_argument("album")
    p.add_argument("--to", required=True, choices=STAGES)
    p.add_argument("--reason", required=True)
    _common(p)
    p = album.add_parser("limits", help="set the album's selection limits")
    p.add_argument("album")
    p.add_argument("--min-select", type=int, metavar="N")
    p.add_argument("--max-select", type=int, metavar="N")
    _common(p)
    p = album.add_parser("resolve-failures", help="mark the album's import failures as dealt with")
    p.add_argument("album")
    p.add_argument("--note", default="checked by the photographer")
    _common(p)

    p = sub.add_parser("import", help="copy files into an album")
    p.add_argument("album")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--as", dest="kind", choices=KINDS, default="original")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _common(p)

    photo = sub.add_parser("photo", help="cull: stars, flags, labels, selection").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = photo.add_parser("list", help="the album's photos with their marks and preview files")
    p.add_argument("album")
    p.add_argument("--sort", choices=["taken", "name"], default="taken")
    _common(p)
    p = photo.add_parser("rate", help="0-5 stars")
    p.add_argument("album")
    p.add_argument("photo", metavar="FILENAME")
    p.add_argument("stars", type=int)
    _common(p)
    for verb in ("pick", "reject", "unflag", "select", "deselect"):
        p = photo.add_parser(verb, help=f"{verb} a photo")
        p.add_argument("album")
        p.add_argument("photo", metavar="FILENAME")
        _common(p)
    p = photo.add_parser("label", help="colour label (Red, Yellow, Green, Blue, Purple, none)")
    p.add_argument("album")
    p.add_argument("photo", metavar="FILENAME")
    p.add_argument("colour")
    _common(p)
    for verb in ("approve", "request-changes"):
        p = photo.add_parser(verb, help=f"admin: {verb} on the client's behalf")
        p.add_argument("album")
        p.add_argument("photo", metavar="FILENAME")
        p.add_argument("--note")
        _common(p)

    # delivery (issue 14): the studio answers a client's comment or change request
    p = photo.add_parser("reply", help="answer a client's comment (the newest, or --to ID)")
    p.add_argument("album")
    p.add_argument("photo", metavar="FILENAME")
    p.add_argument("text")
    p.add_argument("--to", metavar="COMMENT_ID", help="the comment to answer")
    _common(p)

    # --- client portal (issue 5): share links, the portal server, the client's picks ---
    link = sub.add_parser("link", help="client links to an album").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = link.add_parser("create", help="publish a link; prints its URL")
    p.add_argument("album")
    p.add_argument("--expires", type=int, metavar="DAYS", help="valid for DAYS days")
    p.add_argument("--pin", help="a PIN the client must enter (4-64 characters)")
    p.add_argument("--max-select", type=int, metavar="N", help="the client picks at most N")
    p.add_argument("--allow-download", action="store_true", default=None)
    p.add_argument("--watermark", action="store_true", default=None)
    p.add_argument("--show-filenames", action="store_true")
    p.add_argument("--guest", metavar="NAME", help="the client's name, so it is not asked")
    p.add_argument(
        "--download-size", choices=["web", "full"], help="with --allow-download: which finals"
    )
    p.add_argument("--download-pin", help="a PIN asked before the first download")
    _common(p)
    p = link.add_parser("list", help="the album's links")
    p.add_argument("album")
    _common(p)
    p = link.add_parser("revoke", help="revoke a link (id or id prefix from link list)")
    p.add_argument("link")
    _common(p)
    p = link.add_parser("show", help="a link's address again (on the computer that made it)")
    p.add_argument("link")
    _common(p)
    p = link.add_parser("unlock", help="reopen the selections clients sent through a link")
    p.add_argument("link")
    p.add_argument("--guest", metavar="NAME", help="only this client's selection")
    _common(p)
    # delivery (issue 14): the invitation by e-mail (the PIN is never in it)
    p = link.add_parser("send", help="e-mail the link to the client (never its PIN)")
    p.add_argument("link", metavar="LINK")
    p.add_argument("--to", required=True, metavar="EMAIL")
    _common(p)
    p = album.add_parser("picks", help="the client's picks as filenames or a Lightroom filter")
    p.add_argument("album")
    p.add_argument("--lightroom", action="store_true", help="print a Lightroom filter string")
    _common(p)
    p = sub.add_parser("portal", help="run the client portal until stopped")
    p.add_argument("--host", help="address to listen on (else the studio setting)")
    p.add_argument("--port", type=int, help="port to listen on (else the studio setting)")
    p.add_argument(
        "--trusted-proxy",
        action="append",
        type=proxy_network,
        metavar="CIDR",
        help="a proxy in front of the portal whose X-Forwarded-For is believed (repeatable)",
    )
    _common(p)

    # --- the studio server (issue 12) and a desktop's connection to it ---
    p = sub.add_parser("server", help="run the studio server on PostgreSQL until stopped")
    p.add_argument("--db", metavar="URL", help="the app role's URL (else PHOTOFLOW_DATABASE_URL)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8480, help="port to listen on (default 8480)")
    p.add_argument("--home", default=argparse.SUPPRESS, help="folder for logs and previews")
    p.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="CIDR",
        help="believe X-Forwarded-For only from these proxies (repeatable)",
    )
    server_actions = p.add_subparsers(dest="action", metavar="ACTION")
    q = server_actions.add_parser(
        "init", help="create the roles, migrate, and print the URL the server is to use"
    )
    q.add_argument(
        "--db",
        dest="init_db",
        required=True,
        metavar="URL",
        help="a PostgreSQL URL of a role that may create roles",
    )
    q.add_argument(
        "--new-password",
        action="store_true",
        help="give the app role a new password (its URL changes)",
    )
    _common(q)
    p = sub.add_parser("connect", help="sign this desktop in to a studio server")
    p.add_argument("url", metavar="URL")
    p.add_argument("--email", required=True)
    p.add_argument("--code", help="accept an invitation with this code (and set a password)")
    p.add_argument("--device", help="this device's name (default: the computer's name)")
    _common(p)
    _common(sub.add_parser("disconnect", help="sign this desktop out of its studio server"))
    devices = sub.add_parser("devices", help="devices signed in to the studio server (admin)")
    devices_of = devices.add_subparsers(dest="action", metavar="ACTION")
    _common(devices)
    _common(devices_of.add_parser("list", help="list the studio's devices"))
    p = devices_of.add_parser("revoke", help="sign a device out")
    p.add_argument("device", metavar="ID")
    _common(p)

    p = sub.add_parser("watch", help="print the studio's changes as they happen, until stopped")
    p.add_argument("album", nargs="?", help="only this album's changes")
    p.add_argument("--since", type=int, metavar="N", help="first print the changes after N")
    _common(p)

    settings = sub.add_parser("settings", help="the studio's settings (admin)").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    _common(settings.add_parser("show", help="every setting and its value"))
    p = settings.add_parser("set", help="change settings: KEY=VALUE ...")
    p.add_argument("pairs", nargs="+", metavar="KEY=VALUE")
    _common(p)

    sync = sub.add_parser("sync", help="this desktop's sync with the studio server").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    _common(sync.add_parser("status", help="changes waiting, the last sync, conflicts"))
    # Google Drive sync (issue 13): `photoflow sync [ALBUM]` (with_drive_sync puts "drive" in)
    p = sync.add_parser("drive", help="sync albums with the studio's Google Drive folder")
    p.add_argument("album", nargs="?", help="only this album (else every album)")
    p.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    p.add_argument("--allow-deletions", action="store_true", help="go on past the deletion limit")
    _common(p)

    # --- Google Drive (issue 13): this user's sign-in on this computer ---
    drive = sub.add_parser("drive", help="this user's Google Drive connection").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = drive.add_parser("connect", help="sign in to Google Drive in a browser")
    p.add_argument(
        "--no-browser",
        action="store_true",
        help="print the address to open (on any device) instead of opening a browser",
    )
    _common(p)
    _common(drive.add_parser("disconnect", help="forget the Google Drive sign-in here"))
    _common(drive.add_parser("status", help="the connected Google account, if any"))

    p = sub.add_parser("audit", help="the audit log (admin)")
    p.add_argument("--album")
    p.add_argument("--action")
    p.add_argument("--outcome", choices=["ok", "refused", "denied", "failed"])
    p.add_argument("--limit", type=int, default=50)
    _common(p)

    # delivery (issue 14): export presets, an album's choice of them, making its finals
    from app.cli.delivery import add_arguments as delivery_arguments

    delivery_arguments(sub, album)

    # --- delivery (issue 14, gallery-zip): the studio's copy of an album's finals ---
    p = album.add_parser("export", help="copy the album's finals into a folder, or one zip")
    p.add_argument("album")
    p.add_argument("--to", required=True, metavar="DIR", help="the folder (or the .zip's path)")
    p.add_argument("--zip", action="store_true", help="one zip instead of loose files")
    p.add_argument("--preset", metavar="NAME", help="only this preset's finals")
    _common(p)
    return parser


# Google Drive sync (issue 13)
SYNC_ACTIONS = frozenset({"status", "drive", "-h", "--help"})


def with_drive_sync(argv: list[str]) -> list[str]:
    """`photoflow sync [ALBUM] [--dry-run]` is the Drive sync; `photoflow sync status` stays the
    studio server's. An album named "status" is synced with `photoflow sync drive status`."""
    if "sync" not in argv:
        return argv
    i = argv.index("sync")
    if i + 1 < len(argv) and argv[i + 1] in SYNC_ACTIONS:
        return argv
    return [*argv[: i + 1], "drive", *argv[i + 1 :]]
