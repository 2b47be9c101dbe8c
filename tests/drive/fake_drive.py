"""A faithful fake of Google Drive v3 and Google's OAuth pages, on a real socket, driven by the
real google-api-python-client.

What it keeps as Drive does: `fields` partial responses (default `kind,id,name,mimeType`), sizes
and versions as strings, md5Checksum from the bytes, RFC 3339 times, a `version` that grows on
every change, one parent per file, a change log with removed and trashed entries (the latest change
per file, as Drive collapses them), the resumable upload protocol (200 + Location, PUT chunks in
multiples of 256 KiB with Content-Range, 308 + Range, the `bytes */N` status query), ranged
downloads (206), the standard error bodies (`errors[0].reason`), bearer tokens that expire, and the
installed-app OAuth flow with PKCE (S256).

What tests can program: a fault queue (the next N requests, optionally matching a method and a path,
get 403 rate limits, 429 with Retry-After, 5xx, 401, quota exhausted, a connection dropped
mid-chunk, or a slow answer), a link rate (bytes per second, both directions share nothing), and
"another person in Drive" (put_file, replace, rename, move, trash, delete).

What it leaves out: shared drives, permissions, revisions, exports of Google Docs, search terms
other than parents / trashed / name / mimeType / appProperties, and upload sessions that expire.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.parser
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit

from aiohttp import web

FOLDER = "application/vnd.google-apps.folder"
CHUNK_QUANTUM = 256 * 1024
FILE_DEFAULT_FIELDS = "kind,id,name,mimeType"
LIST_DEFAULT_FIELDS = "kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType)"
CHANGES_DEFAULT_FIELDS = (
    "kind,nextPageToken,newStartPageToken,"
    "changes(kind,changeType,time,removed,fileId,file(kind,id,name,mimeType))"
)
TOKEN_LIFETIME = 3599


# ---------------------------------------------------------------------------------------------
# The store


@dataclass
class FakeFile:
    """One file or folder as the fake keeps it (a snapshot when handed to a test)."""

    id: str
    name: str
    mime_type: str
    parents: list[str]
    data: bytes | None
    app_properties: dict[str, str] = field(default_factory=dict)
    trashed: bool = False
    explicitly_trashed: bool = False
    version: int = 1
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    modified: datetime = field(default_factory=lambda: datetime.now(UTC))
    modified_by: tuple[str, str] = ("Studio", "studio@example.com")  # (name, address)

    @property
    def is_folder(self) -> bool:
        return self.mime_type == FOLDER

    @property
    def md5(self) -> str | None:
        if self.data is None:
            return None
        memo = self.__dict__.get("_md5")
        if memo is None or memo[0] is not self.data:  # computed once per content
            memo = (self.data, hashlib.md5(self.data).hexdigest())
            self.__dict__["_md5"] = memo
        return memo[1]

    @property
    def size(self) -> int | None:
        return None if self.data is None else len(self.data)

    def resource(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": list(self.parents),
            "trashed": self.trashed,
            "explicitlyTrashed": self.explicitly_trashed,
            "version": str(self.version),
            "createdTime": rfc3339(self.created),
            "modifiedTime": rfc3339(self.modified),
            "appProperties": dict(self.app_properties),
            "ownedByMe": True,
            "lastModifyingUser": {
                "kind": "drive#user",
                "displayName": self.modified_by[0],
                "emailAddress": self.modified_by[1],
                "me": self.modified_by[1] == "studio@example.com",
            },
        }
        if self.data is not None:
            body["size"] = str(len(self.data))
            body["md5Checksum"] = self.md5
        return body


@dataclass
class Fault:
    """What the next `count` matching requests get instead of (or on the way to) an answer."""

    kind: str  # rate_limit, user_rate_limit, too_many, server_error, unauthorized, quota,
    #            daily_limit, drop, slow
    count: int = 1
    method: str | None = None
    path: str | None = None  # a substring of the request path
    status: int = 503  # for server_error
    retry_after: float | None = None  # for too_many
    delay: float = 0.0  # for slow

    def matches(self, request: web.Request) -> bool:
        if self.method and request.method != self.method.upper():
            return False
        return not (self.path and self.path not in request.path)


@dataclass
class UploadSession:
    id: str
    metadata: dict[str, Any]
    file_id: str | None  # None for a new file
    fields: str | None
    total: int | None
    received: bytearray = field(default_factory=bytearray)
    done: dict[str, Any] | None = None  # the finished file's resource


@dataclass
class Change:
    seq: int
    file_id: str
    time: datetime


def rfc3339(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def new_id() -> str:
    return "1" + base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")


class DriveProblem(Exception):
    """An answer in Drive's error format."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        domain: str = "global",
        location: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.domain, self.location, self.headers = domain, location, headers or {}

    def response(self) -> web.Response:
        error: dict[str, Any] = {
            "message": self.message,
            "domain": self.domain,
            "reason": self.reason,
        }
        if self.location:
            error["location"] = self.location
            error["locationType"] = "parameter" if self.location != "Authorization" else "header"
        body = {"error": {"code": self.code, "message": self.message, "errors": [error]}}
        return web.json_response(body, status=self.code, headers=self.headers)


def not_found(file_id: str) -> DriveProblem:
    return DriveProblem(404, "notFound", f"File not found: {file_id}.", location="fileId")


def bad_request(message: str, location: str | None = None) -> DriveProblem:
    return DriveProblem(400, "badRequest", message, location=location)


# ---------------------------------------------------------------------------------------------
# fields= (partial responses)


def parse_fields(text: str) -> dict[str, Any]:
    """`a,b(c,d),e/f` -> {"a": None, "b": {"c": None, "d": None}, "e": {"f": None}}."""
    pos = 0

    def parse_list() -> dict[str, Any]:
        nonlocal pos
        tree: dict[str, Any] = {}
        while pos < len(text):
            match = re.compile(r"\s*([A-Za-z0-9_*]+(?:/[A-Za-z0-9_*]+)*)\s*").match(text, pos)
            if not match:
                raise bad_request(f"Invalid field selection {text}", "fields")
            pos = match.end()
            path = match.group(1).split("/")
            sub: Any = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list()
                if pos >= len(text) or text[pos] != ")":
                    raise bad_request(f"Invalid field selection {text}", "fields")
                pos += 1
            for name in reversed(path[1:]):
                sub = {name: sub}
            node = tree.setdefault(path[0], sub) if path[0] not in tree else tree[path[0]]
            if isinstance(node, dict) and isinstance(sub, dict):
                node.update(sub)
            elif sub is None:
                tree[path[0]] = None
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            break
        return tree

    tree = parse_list()
    if pos != len(text):
        raise bad_request(f"Invalid field selection {text}", "fields")
    return tree


def select(value: Any, tree: dict[str, Any] | None) -> Any:
    if tree is None or "*" in tree:
        return value
    if isinstance(value, list):
        return [select(item, tree) for item in value]
    if isinstance(value, dict):
        return {k: select(value[k], sub) for k, sub in tree.items() if k in value}
    return value


# ---------------------------------------------------------------------------------------------
# q= (the search terms the client uses)

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<op>!=|=|\{|\}|<=|>=|<|>)|(?P<word>[A-Za-z_]+))"
)


def _tokens(q: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(q.rstrip()):
        match = _TOKEN.match(q, pos)
        if not match:
            raise bad_request("Invalid Value", "q")
        pos = match.end()
        kind = match.lastgroup or ""
        text = match.group(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        out.append((kind, text))
    return out


def compile_query(q: str) -> Any:
    """A predicate over FakeFile for terms joined by `and`."""
    tokens = _tokens(q)
    terms: list[Any] = []
    i = 0

    def want(kind: str, text: str | None = None) -> str:
        nonlocal i
        if i >= len(tokens) or tokens[i][0] != kind or (text and tokens[i][1].lower() != text):
            raise bad_request("Invalid Value", "q")
        i += 1
        return tokens[i - 1][1]

    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "str":
            i += 1
            want("word", "in")
            want("word", "parents")
            terms.append(lambda f, p=text: p in f.parents)
        elif text == "trashed":
            i += 1
            op = want("op")
            value = want("word").lower() == "true"
            terms.append(lambda f, v=value, o=op: (f.trashed == v) == (o == "="))
        elif text in ("name", "mimeType"):
            i += 1
            op = want("op")
            value = want("str")
            attr = "name" if text == "name" else "mime_type"
            terms.append(lambda f, a=attr, v=value, o=op: (getattr(f, a) == v) == (o == "="))
        elif text == "appProperties":
            i += 1
            want("word", "has")
            want("op")  # {
            want("word", "key")
            want("op")
            key = want("str")
            want("word", "and")
            want("word", "value")
            want("op")
            value = want("str")
            want("op")  # }
            terms.append(lambda f, k=key, v=value: f.app_properties.get(k) == v)
        else:
            raise bad_request("Invalid Value", "q")
        if i < len(tokens):
            want("word", "and")
    return lambda f: all(term(f) for term in terms)


# ---------------------------------------------------------------------------------------------
# The link (a shared rate for the benchmark)


class Link:
    """A token bucket: `rate` bytes per second, with a burst of BURST seconds' worth (a link's
    buffers), so that a late wake-up of the event loop is caught up, as on a real link."""

    BURST = 0.05

    def __init__(self) -> None:
        self.rate: float | None = None  # bytes per second
        self._next = 0.0

    async def carry(self, nbytes: int) -> None:
        if not self.rate:
            return
        now = time.monotonic()
        self._next = max(self._next, now - self.BURST) + nbytes / self.rate
        if self._next - now > 0.001:
            await asyncio.sleep(self._next - now)


# ---------------------------------------------------------------------------------------------
# The fake


class FakeDrive:
    """Drive's state and its HTTP face; start() serves it on a background thread."""

    def __init__(self, email: str = "studio@example.com") -> None:
        self.email = email
        self.client_id = "photoflow-test.apps.googleusercontent.com"
        self.client_secret = "not-so-secret"
        self.lock = threading.RLock()
        self.link = Link()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.reset()

    # -- state ---------------------------------------------------------------------------------

    def reset(self) -> None:
        """Empty Drive, no faults, no tokens but a fresh one for tests, no link rate."""
        with getattr(self, "lock", threading.RLock()):
            self.root_id = "0Aroot" + secrets.token_hex(4)
            root = FakeFile(self.root_id, "My Drive", FOLDER, [], None)
            self._files: dict[str, FakeFile] = {root.id: root}
            self._changes: list[Change] = []
            self._seq = itertools.count(1)
            self._next_seq = 1
            self._sessions: dict[str, UploadSession] = {}
            self._faults: list[Fault] = []
            self._access: dict[str, float] = {}  # token -> expiry (monotonic)
            self._refresh: set[str] = set()
            self._codes: dict[str, dict[str, str]] = {}
            self.requests: list[tuple[str, str]] = []  # (method, path?query)
            self.link.rate = None

    def _change(self, file: FakeFile) -> None:
        seq = self._next_seq
        self._next_seq += 1
        self._changes.append(Change(seq, file.id, datetime.now(UTC)))

    def _touch(self, file: FakeFile, content: bool = False) -> None:
        file.version += 1
        if content:
            file.modified = datetime.now(UTC)
        self._change(file)

    def _live(self, file_id: str) -> FakeFile:
        file = self._files.get(self.root_id if file_id == "root" else file_id)
        if file is None:
            raise not_found(file_id)
        return file

    def _folder(self, folder_id: str) -> str:
        folder = self._live(folder_id)
        if not folder.is_folder:
            raise DriveProblem(
                400, "invalidParent", f"The parent {folder_id} is not a folder.", location="parents"
            )
        return folder.id

    def _descendants(self, file: FakeFile) -> Iterator[FakeFile]:
        for child in [f for f in self._files.values() if file.id in f.parents]:
            yield child
            if child.is_folder:
                yield from self._descendants(child)

    def _create(self, meta: dict[str, Any], data: bytes | None) -> FakeFile:
        parents = meta.get("parents") or [self.root_id]
        if len(parents) > 1:
            raise DriveProblem(
                403,
                "cannotAddParent",
                "Increasing the number of parents is not allowed.",
            )
        parents = [self._folder(p) for p in parents]
        mime = meta.get("mimeType") or ("application/octet-stream" if data is not None else None)
        if mime is None:
            mime = "application/octet-stream"
        if mime == FOLDER:
            data = None
        elif data is None:
            data = b""
        props = {k: str(v) for k, v in (meta.get("appProperties") or {}).items() if v is not None}
        file = FakeFile(new_id(), meta.get("name") or "Untitled", mime, parents, data, props)
        file.modified_by = ("Studio", self.email)
        self._files[file.id] = file
        self._change(file)
        return file

    def _patch(self, file: FakeFile, meta: dict[str, Any], add: str, remove: str) -> None:
        if "parents" in meta:
            raise DriveProblem(
                403,
                "fieldNotWritable",
                "The parents field is not directly writable in update requests. "
                "Use the addParents and removeParents parameters instead.",
            )
        parents = list(file.parents)
        for p in filter(None, remove.split(",")):
            if p in parents or (p == "root" and self.root_id in parents):
                parents.remove(self.root_id if p == "root" else p)
        for p in filter(None, add.split(",")):
            pid = self._folder(p)
            if pid not in parents:
                parents.append(pid)
        if len(parents) > 1:
            raise DriveProblem(
                403,
                "cannotAddParent",
                "Increasing the number of parents is not allowed.",
            )
        file.parents = parents
        if "name" in meta:
            file.name = meta["name"]
        if "mimeType" in meta and not file.is_folder:
            file.mime_type = meta["mimeType"]
        for key, value in (meta.get("appProperties") or {}).items():
            if value is None:
                file.app_properties.pop(key, None)
            else:
                file.app_properties[key] = str(value)
        if "trashed" in meta and bool(meta["trashed"]) != file.trashed:
            self._set_trashed(file, bool(meta["trashed"]))
            return
        self._touch(file)

    def _set_trashed(self, file: FakeFile, trashed: bool) -> None:
        file.trashed = file.explicitly_trashed = trashed
        self._touch(file)
        for child in self._descendants(file):
            if not child.explicitly_trashed:
                child.trashed = trashed
                self._touch(child)

    def _delete(self, file: FakeFile) -> None:
        for child in list(self._descendants(file)):
            self._files.pop(child.id, None)
            self._change(child)
        self._files.pop(file.id, None)
        self._change(file)

    # -- "another person in Drive" -------------------------------------------------------------

    def put_file(
        self,
        name: str,
        parent_id: str | None,
        data: bytes,
        app_properties: dict[str, str] | None = None,
        mime_type: str = "application/octet-stream",
    ) -> FakeFile:
        with self.lock:
            meta = {"name": name, "parents": [parent_id or self.root_id], "mimeType": mime_type}
            meta["appProperties"] = app_properties or {}
            return replace(self._create(meta, data))

    def put_folder(
        self, name: str, parent_id: str | None = None, app_properties: dict[str, str] | None = None
    ) -> FakeFile:
        with self.lock:
            meta = {"name": name, "parents": [parent_id or self.root_id], "mimeType": FOLDER}
            meta["appProperties"] = app_properties or {}
            return replace(self._create(meta, None))

    def replace(
        self, file_id: str, data: bytes, by: tuple[str, str] = ("Ana Lima", "ana@example.com")
    ) -> FakeFile:
        """New content saved over a file in Drive, by someone (a person, not our sync)."""
        with self.lock:
            file = self._live(file_id)
            file.data = data
            file.modified_by = by
            self._touch(file, content=True)
            return replace(file)

    def rename(self, file_id: str, name: str) -> FakeFile:
        with self.lock:
            file = self._live(file_id)
            self._patch(file, {"name": name}, "", "")
            return replace(file)

    def move(self, file_id: str, new_parent_id: str) -> FakeFile:
        with self.lock:
            file = self._live(file_id)
            self._patch(file, {}, new_parent_id, ",".join(file.parents))
            return replace(file)

    def trash(self, file_id: str) -> FakeFile:
        with self.lock:
            file = self._live(file_id)
            self._set_trashed(file, True)
            return replace(file)

    def untrash(self, file_id: str) -> FakeFile:
        with self.lock:
            file = self._live(file_id)
            self._set_trashed(file, False)
            return replace(file)

    def delete(self, file_id: str) -> None:
        with self.lock:
            self._delete(self._live(file_id))

    def files(self) -> list[FakeFile]:
        """Every file and folder but the root, trashed ones too (snapshots)."""
        with self.lock:
            return [replace(f) for f in self._files.values() if f.id != self.root_id]

    def file(self, file_id: str) -> FakeFile:
        with self.lock:
            return replace(self._live(file_id))

    def path_of(self, file_id: str) -> str:
        """`Album/Originals/a.jpg`, from the root."""
        with self.lock:
            names, file = [], self._live(file_id)
            while file.id != self.root_id and file.parents:
                names.append(file.name)
                file = self._live(file.parents[0])
            return "/".join(reversed(names))

    # -- faults, tokens, link ------------------------------------------------------------------

    def fail(self, kind: str, count: int = 1, **options: Any) -> Fault:
        """The next `count` requests (matching method/path if given) get this fault."""
        fault = Fault(kind, count, **options)
        with self.lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def pending_faults(self) -> int:
        with self.lock:
            return sum(f.count for f in self._faults)

    def set_link_rate(self, bytes_per_second: float | None) -> None:
        self.link.rate = bytes_per_second

    def issue_tokens(self) -> tuple[str, str]:
        """An access token and a refresh token, as a finished sign-in would give."""
        with self.lock:
            access, refresh = "ya29." + secrets.token_urlsafe(24), "1//" + secrets.token_urlsafe(32)
            self._access[access] = time.monotonic() + TOKEN_LIFETIME
            self._refresh.add(refresh)
            return access, refresh

    def expire_access_tokens(self) -> None:
        with self.lock:
            self._access.clear()

    def revoke(self) -> None:
        """The user removed the app's access: every token stops working."""
        with self.lock:
            self._access.clear()
            self._refresh.clear()

    def count(self, method: str, path_part: str = "") -> int:
        with self.lock:
            return sum(1 for m, p in self.requests if m == method and path_part in p)

    # -- serving -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def auth_uri(self) -> str:
        return self.url + "o/oauth2/auth"

    @property
    def token_uri(self) -> str:
        return self.url + "token"

    def app(self) -> web.Application:
        app = web.Application(
            middlewares=[self._log, self._faulty, self._errors, self._bearer],
            client_max_size=64 * 1024 * 1024,
            handler_args={"read_bufsize": 4 * 1024 * 1024},  # big reads: uploads are MiB chunks
        )
        r = app.router
        r.add_get("/o/oauth2/auth", self.authorize)
        r.add_post("/token", self.token)
        r.add_get("/drive/v3/about", self.about)
        r.add_get("/drive/v3/changes/startPageToken", self.start_page_token)
        r.add_get("/drive/v3/changes", self.changes)
        r.add_get("/drive/v3/files", self.list_files)
        r.add_post("/drive/v3/files", self.create_metadata)
        r.add_get("/drive/v3/files/{id}", self.get_file)
        r.add_patch("/drive/v3/files/{id}", self.update_metadata)
        r.add_delete("/drive/v3/files/{id}", self.delete_file)
        r.add_post("/upload/drive/v3/files", self.upload)
        r.add_patch("/upload/drive/v3/files/{id}", self.upload)
        r.add_put("/upload/drive/v3/files", self.upload_chunk)
        r.add_put("/upload/drive/v3/files/{id}", self.upload_chunk)
        return app

    def start(self) -> FakeDrive:
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
                loop.run_until_complete(runner.setup())
                site = web.TCPSite(runner, "127.0.0.1", 0, backlog=128)
                loop.run_until_complete(site.start())
                self._runner = runner
                self.port = runner.addresses[0][1]
            except BaseException as e:  # pragma: no cover - reported to the starter
                failure.append(e)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake-drive", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._thread = self._loop = None

    def __enter__(self) -> FakeDrive:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- middlewares ---------------------------------------------------------------------------

    @web.middleware
    async def _log(self, request: web.Request, handler: Any) -> web.StreamResponse:
        with self.lock:
            self.requests.append((request.method, request.path_qs))
        return await handler(request)

    @web.middleware
    async def _errors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            return await handler(request)
        except DriveProblem as problem:
            return problem.response()

    @web.middleware
    async def _faulty(self, request: web.Request, handler: Any) -> web.StreamResponse:
        fault = None
        with self.lock:
            for candidate in self._faults:
                if candidate.matches(request):
                    fault = candidate
                    candidate.count -= 1
                    if candidate.count <= 0:
                        self._faults.remove(candidate)
                    break
        if fault is None:
            return await handler(request)
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return await handler(request)
        if fault.kind == "drop":
            return await self._drop(request)
        problem = {
            "rate_limit": DriveProblem(
                403, "rateLimitExceeded", "Rate Limit Exceeded", domain="usageLimits"
            ),
            "user_rate_limit": DriveProblem(
                403, "userRateLimitExceeded", "User Rate Limit Exceeded", domain="usageLimits"
            ),
            "too_many": DriveProblem(
                429,
                "rateLimitExceeded",
                "Too Many Requests",
                domain="usageLimits",
                headers={"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else None,
            ),
            "server_error": DriveProblem(fault.status, "backendError", "Backend Error"),
            "unauthorized": DriveProblem(
                401,
                "authError",
                "Invalid Credentials",
                location="Authorization",
                headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
            ),
            "quota": DriveProblem(
                403,
                "storageQuotaExceeded",
                "The user's Drive storage quota has been exceeded.",
                domain="usageLimits",
            ),
            "daily_limit": DriveProblem(
                403, "dailyLimitExceeded", "Daily Limit Exceeded", domain="usageLimits"
            ),
        }.get(fault.kind)
        if problem is None:
            raise RuntimeError(f"unknown fault {fault.kind}")
        await request.read()  # as a server would, before it answers
        return problem.response()

    async def _drop(self, request: web.Request) -> web.StreamResponse:
        """Read half the body (a resumable chunk keeps its whole 256 KiB blocks), then hang up."""
        length = request.content_length or 0
        got = bytearray()
        while len(got) < length // 2:
            piece = await request.content.read(min(65536, length // 2 - len(got)))
            if not piece:
                break
            got.extend(piece)
        session = self._sessions.get(request.query.get("upload_id", ""))
        content_range = request.headers.get("Content-Range", "")
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", content_range)
        if session and match and int(match.group(1)) <= len(session.received):
            start = int(match.group(1))
            keep = len(got) // CHUNK_QUANTUM * CHUNK_QUANTUM
            with self.lock:
                del session.received[start:]
                session.received.extend(got[:keep])
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError  # the handler ends with the connection

    @web.middleware
    async def _bearer(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith(("/drive/", "/upload/")):
            header = request.headers.get("Authorization", "")
            token = header[7:] if header.startswith("Bearer ") else ""
            with self.lock:
                expiry = self._access.get(token)
            if expiry is None or expiry < time.monotonic():
                raise DriveProblem(
                    401,
                    "authError",
                    "Invalid Credentials",
                    location="Authorization",
                    headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
                )
        return await handler(request)

    # -- OAuth ---------------------------------------------------------------------------------

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        redirect = q.get("redirect_uri", "")
        host = urlsplit(redirect).hostname
        if q.get("client_id") != self.client_id:
            return web.Response(
                status=401, text="Error 401: invalid_client. The OAuth client was not found."
            )
        if host not in ("localhost", "127.0.0.1", "::1") or not redirect.startswith("http://"):
            return web.Response(
                status=400,
                text="Error 400: invalid_request. redirect_uri must be a loopback address.",
            )
        if (
            q.get("response_type") != "code"
            or q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
        ):
            return web.Response(
                status=400, text="Error 400: invalid_request. PKCE (S256) is required."
            )
        code = "4/" + secrets.token_urlsafe(24)
        with self.lock:
            self._codes[code] = {"challenge": q["code_challenge"], "redirect_uri": redirect}
        back = {"code": code, "scope": q.get("scope", "")}
        if "state" in q:
            back["state"] = q["state"]
        sep = "&" if "?" in redirect else "?"
        raise web.HTTPFound(redirect + sep + urlencode(back))

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()

        def refuse(error: str, description: str, status: int = 400) -> web.Response:
            return web.json_response(
                {"error": error, "error_description": description}, status=status
            )

        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("Authorization", "")
        if basic.startswith("Basic "):  # client_secret_basic, as requests-oauthlib sends it
            pair = base64.b64decode(basic[6:]).decode()
            client_id, _, client_secret = (unquote_plus(x) for x in pair.partition(":"))
        if client_id != self.client_id or client_secret != self.client_secret:
            return refuse("invalid_client", "The OAuth client was not found.", 401)
        grant = form.get("grant_type")
        with self.lock:
            if grant == "authorization_code":
                pending = self._codes.pop(str(form.get("code", "")), None)
                if pending is None:
                    return refuse("invalid_grant", "Malformed auth code.")
                verifier = str(form.get("code_verifier", ""))
                digest = hashlib.sha256(verifier.encode()).digest()
                if base64.urlsafe_b64encode(digest).decode().rstrip("=") != pending["challenge"]:
                    return refuse("invalid_grant", "Invalid code verifier.")
                if form.get("redirect_uri") != pending["redirect_uri"]:
                    return refuse("redirect_uri_mismatch", "Bad Request")
                access, refresh = self.issue_tokens()
                return web.json_response(
                    {
                        "access_token": access,
                        "expires_in": TOKEN_LIFETIME,
                        "refresh_token": refresh,
                        "scope": "https://www.googleapis.com/auth/drive",
                        "token_type": "Bearer",
                    }
                )
            if grant == "refresh_token":
                if form.get("refresh_token") not in self._refresh:
                    return refuse("invalid_grant", "Token has been expired or revoked.")
                access = "ya29." + secrets.token_urlsafe(24)
                self._access[access] = time.monotonic() + TOKEN_LIFETIME
                return web.json_response(
                    {
                        "access_token": access,
                        "expires_in": TOKEN_LIFETIME,
                        "scope": "https://www.googleapis.com/auth/drive",
                        "token_type": "Bearer",
                    }
                )
        return refuse("unsupported_grant_type", f"Invalid grant_type: {grant}")

    # -- Drive ---------------------------------------------------------------------------------

    def _fields(self, request: web.Request, default: str) -> dict[str, Any]:
        return parse_fields(request.query.get("fields") or default)

    def _file_answer(
        self, request: web.Request, file: FakeFile | dict[str, Any], status: int = 200
    ) -> web.Response:
        body = file.resource() if isinstance(file, FakeFile) else file
        return web.json_response(
            select(body, self._fields(request, FILE_DEFAULT_FIELDS)), status=status
        )

    async def about(self, request: web.Request) -> web.Response:
        if not request.query.get("fields"):
            raise bad_request("The 'fields' parameter is required for this method.", "fields")
        body = {
            "kind": "drive#about",
            "user": {
                "kind": "drive#user",
                "displayName": "Studio",
                "emailAddress": self.email,
                "me": True,
            },
            "storageQuota": {"limit": str(15 * 2**30), "usage": "0"},
        }
        return web.json_response(select(body, self._fields(request, "")))

    async def start_page_token(self, request: web.Request) -> web.Response:
        with self.lock:
            token = str(self._next_seq)
        return web.json_response(
            select(
                {"kind": "drive#startPageToken", "startPageToken": token},
                self._fields(request, "kind,startPageToken"),
            )
        )

    async def changes(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            start = int(q.get("pageToken", ""))
        except ValueError:
            raise bad_request("Invalid Value", "pageToken") from None
        size = self._page_size(q)
        include_removed = q.get("includeRemoved", "true") != "false"
        with self.lock:
            if start < 1 or start > self._next_seq:
                raise bad_request("Invalid Value", "pageToken")
            latest: dict[str, Change] = {}
            for change in self._changes:
                if change.seq >= start:
                    latest[change.file_id] = change
            ordered = sorted(latest.values(), key=lambda c: c.seq)
            entries = []
            for change in ordered:
                file = self._files.get(change.file_id)
                if file is None and not include_removed:
                    continue
                entries.append((change, file))
            page, rest = entries[:size], entries[size:]
            body: dict[str, Any] = {"kind": "drive#changeList", "changes": []}
            for change, file in page:
                entry: dict[str, Any] = {
                    "kind": "drive#change",
                    "changeType": "file",
                    "time": rfc3339(change.time),
                    "removed": file is None,
                    "fileId": change.file_id,
                }
                if file is not None:
                    entry["file"] = file.resource()
                body["changes"].append(entry)
            if rest:
                body["nextPageToken"] = str(rest[0][0].seq)
            else:
                body["newStartPageToken"] = str(self._next_seq)
        return web.json_response(select(body, self._fields(request, CHANGES_DEFAULT_FIELDS)))

    def _page_size(self, q: Any) -> int:
        try:
            size = int(q.get("pageSize", "100"))
        except ValueError:
            raise bad_request("Invalid Value", "pageSize") from None
        if not 1 <= size <= 1000:
            raise bad_request(
                f"Invalid value '{size}'. Values must be within the range: [1, 1000]", "pageSize"
            )
        return size

    async def list_files(self, request: web.Request) -> web.Response:
        q = request.query
        size = self._page_size(q)
        token = q.get("pageToken")
        offset = 0
        if token:
            try:
                offset = int(base64.urlsafe_b64decode(token.encode()).decode())
            except ValueError:
                raise bad_request("Invalid Value", "pageToken") from None
        with self.lock:
            q_text = q.get("q", "").replace("'root'", f"'{self.root_id}'")
            predicate = compile_query(q_text) if q_text else (lambda f: True)
            matching = [f for f in self._files.values() if f.id != self.root_id and predicate(f)]
            page = matching[offset : offset + size]
            body: dict[str, Any] = {
                "kind": "drive#fileList",
                "incompleteSearch": False,
                "files": [f.resource() for f in page],
            }
            if offset + size < len(matching):
                body["nextPageToken"] = base64.urlsafe_b64encode(
                    str(offset + size).encode()
                ).decode()
        return web.json_response(select(body, self._fields(request, LIST_DEFAULT_FIELDS)))

    async def create_metadata(self, request: web.Request) -> web.Response:
        meta = await self._json(request)
        with self.lock:
            file = self._create(meta, None)
        return self._file_answer(request, file)

    async def _json(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        if not raw:
            return {}
        try:
            meta = json.loads(raw)
        except ValueError:
            raise bad_request("Invalid JSON payload received.") from None
        if not isinstance(meta, dict):
            raise bad_request("Invalid JSON payload received.")
        return meta

    async def get_file(self, request: web.Request) -> web.StreamResponse:
        with self.lock:
            file = self._live(request.match_info["id"])
            snapshot = replace(file)
        if request.query.get("alt") != "media":
            return self._file_answer(request, snapshot)
        if snapshot.data is None:
            raise DriveProblem(
                403,
                "fileNotDownloadable",
                "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
                location="alt",
            )
        data, total = snapshot.data, len(snapshot.data)
        status, start, end = 200, 0, total - 1
        wanted = request.headers.get("Range")
        if wanted:
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted.strip())
            if match and int(match.group(1)) < total:
                start = int(match.group(1))
                end = min(int(match.group(2)) if match.group(2) else total - 1, total - 1)
                status = 206
            elif match:
                return web.Response(status=416, headers={"Content-Range": f"bytes */{total}"})
        response = web.StreamResponse(status=status)
        response.content_type = snapshot.mime_type
        response.content_length = end - start + 1
        if status == 206:
            response.headers["Content-Range"] = f"bytes {start}-{end}/{total}"
        await response.prepare(request)
        view = memoryview(data)
        pos = start
        while pos <= end:
            step = min(1024 * 1024, end + 1 - pos)
            await self.link.carry(step)
            await response.write(view[pos : pos + step])
            pos += step
        await response.write_eof()
        return response

    async def update_metadata(self, request: web.Request) -> web.Response:
        meta = await self._json(request)
        with self.lock:
            file = self._live(request.match_info["id"])
            self._patch(
                file,
                meta,
                request.query.get("addParents", ""),
                request.query.get("removeParents", ""),
            )
            return self._file_answer(request, file)

    async def delete_file(self, request: web.Request) -> web.Response:
        with self.lock:
            self._delete(self._live(request.match_info["id"]))
        return web.Response(status=204)

    # -- uploads -------------------------------------------------------------------------------

    async def _body(self, request: web.Request) -> bytes:
        got = bytearray()
        while True:
            piece = await request.content.read(1024 * 1024)
            if not piece:
                return bytes(got)
            await self.link.carry(len(piece))
            got.extend(piece)

    async def upload(self, request: web.Request) -> web.Response:
        kind = request.query.get("uploadType")
        file_id = request.match_info.get("id")
        if file_id is not None:
            with self.lock:
                self._live(file_id)
        if kind == "resumable":
            meta = await self._json(request)
            total = request.headers.get("X-Upload-Content-Length")
            if meta.get("mimeType") is None and request.headers.get("X-Upload-Content-Type"):
                meta["mimeType"] = request.headers["X-Upload-Content-Type"]
            session = UploadSession(
                secrets.token_urlsafe(24),
                meta,
                file_id,
                request.query.get("fields"),
                int(total) if total and total.isdigit() else None,
            )
            with self.lock:
                self._sessions[session.id] = session
            where = (
                f"{self.url}upload/drive/v3/files{'/' + file_id if file_id else ''}?"
                + urlencode({"uploadType": "resumable", "upload_id": session.id})
            )
            return web.Response(status=200, headers={"Location": where})
        if kind == "media":
            data, meta = await self._body(request), {}
            if request.content_type:
                meta["mimeType"] = request.content_type
        elif kind == "multipart":  # multipart/related: the metadata (JSON), then the media
            raw = await self._body(request)
            head = f"Content-Type: {request.headers.get('Content-Type', '')}\r\n\r\n".encode()
            message = email.parser.BytesParser().parsebytes(head + raw)
            parts = message.get_payload() if message.is_multipart() else []
            if len(parts) != 2:
                raise bad_request("Multipart upload requires metadata and media parts.")
            meta = json.loads(parts[0].get_payload(decode=True) or b"{}")
            data = parts[1].get_payload(decode=True) or b""
            if "mimeType" not in meta and parts[1].get_content_type():
                meta["mimeType"] = parts[1].get_content_type()
        else:
            raise bad_request(f"Invalid upload type: {kind}", "uploadType")
        return self._finish(request, meta, file_id, data, request.query.get("fields"))

    def _finish(
        self,
        request: web.Request,
        meta: dict[str, Any],
        file_id: str | None,
        data: bytes,
        fields: str | None,
    ) -> web.Response:
        with self.lock:
            if file_id is None:
                file = self._create(meta, data)
            else:
                file = self._live(file_id)
                file.data = data
                file.modified_by = ("Studio", self.email)  # the signed-in account: our sync
                meta = {k: v for k, v in meta.items() if k != "mimeType"}
                self._patch(
                    file,
                    meta,
                    request.query.get("addParents", ""),
                    request.query.get("removeParents", ""),
                )
                file.modified = datetime.now(UTC)
            body = file.resource()
        return web.json_response(select(body, parse_fields(fields or FILE_DEFAULT_FIELDS)))

    async def upload_chunk(self, request: web.Request) -> web.Response:
        with self.lock:
            session = self._sessions.get(request.query.get("upload_id", ""))
        if session is None:
            raise DriveProblem(404, "notFound", "The upload session was not found.")
        content_range = request.headers.get("Content-Range", "")
        query = re.fullmatch(r"bytes \*/(\d+|\*)", content_range)
        if query:  # the status query: where are we?
            await request.read()
            if session.done is not None:
                return web.json_response(
                    select(session.done, parse_fields(session.fields or FILE_DEFAULT_FIELDS))
                )
            return self._incomplete(session)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", content_range)
        if not match:
            if session.done is None and (request.content_length or 0) == 0 and session.total == 0:
                return self._complete(request, session)
            raise bad_request("Failed to parse Content-Range header.")
        first, last = int(match.group(1)), int(match.group(2))
        total = None if match.group(3) == "*" else int(match.group(3))
        if session.total is not None and total is not None and total != session.total:
            raise bad_request("Content-Range total does not match X-Upload-Content-Length.")
        if first > len(session.received):
            await request.read()
            return self._incomplete(session)
        data = await self._body(request)
        if len(data) != last - first + 1:
            raise bad_request("The chunk's length does not match its Content-Range.")
        final = total is not None and last + 1 == total
        if not final and len(data) % CHUNK_QUANTUM:
            raise bad_request(
                f"Invalid request. The chunk size must be a multiple of {CHUNK_QUANTUM} bytes "
                "except for the last chunk."
            )
        with self.lock:
            del session.received[first:]
            session.received.extend(data)
            if total is not None:
                session.total = total
        if session.total is not None and len(session.received) >= session.total:
            return self._complete(request, session)
        return self._incomplete(session)

    def _incomplete(self, session: UploadSession) -> web.Response:
        headers = {}
        if session.received:
            headers["Range"] = f"bytes=0-{len(session.received) - 1}"
        return web.Response(status=308, headers=headers)

    def _complete(self, request: web.Request, session: UploadSession) -> web.Response:
        answer = self._finish(
            request, session.metadata, session.file_id, bytes(session.received), "*"
        )
        session.done = json.loads(answer.body)  # type: ignore[arg-type]
        session.received = bytearray()
        return web.json_response(
            select(session.done, parse_fields(session.fields or FILE_DEFAULT_FIELDS)),
        )


@contextlib.contextmanager
def running_fake() -> Iterator[FakeDrive]:
    fake = FakeDrive().start()
    try:
        yield fake
    finally:
        fake.stop()


def main() -> None:
    """`python -m tests.drive.fake_drive [--rate BYTES_PER_S]`: serves until stdin closes; prints
    one JSON line with its address, a signed-in token pair and the OAuth client."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="a fake Google Drive v3 on 127.0.0.1")
    parser.add_argument(
        "--rate", type=float, default=0, help="link rate in bytes per second (0: none)"
    )
    args = parser.parse_args()
    with FakeDrive() as fake:
        fake.set_link_rate(args.rate or None)
        access, refresh = fake.issue_tokens()
        print(
            json.dumps(
                {
                    "url": fake.url,
                    "auth_uri": fake.auth_uri,
                    "token_uri": fake.token_uri,
                    "access": access,
                    "refresh": refresh,
                    "client_id": fake.client_id,
                    "client_secret": fake.client_secret,
                    "root_id": fake.root_id,
                }
            ),
            flush=True,
        )
        sys.stdin.read()


if __name__ == "__main__":
    main()
