"""The real Drive: google-api-python-client built from its packaged discovery document, rerouted
to the studio's settings, run on worker threads with one HTTP object each (httplib2 is not
thread-safe), every call retried with backoff and guarded by one circuit breaker."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import json
import mimetypes
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import googleapiclient
import pybreaker
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from google_auth_httplib2 import Request as AuthRequest
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload, build_http

from core.fsutil import fsync_dir
from sync.drive.client_uploads import UploadSession, UploadSessions
from sync.drive.remote import (
    FOLDER_MIME,
    DriveChecksumMismatch,
    RemoteChange,
    RemoteFile,
)
from sync.drive.retry import Timeouts, breaker_for, paused_until, plain, retried

T = TypeVar("T")

CHUNK = 8 * 1024 * 1024  # resumable upload chunks and ranged download pieces
SCOPES = ("https://www.googleapis.com/auth/drive",)
FILE_FIELDS = (
    "id,name,parents,mimeType,md5Checksum,size,version,modifiedTime,trashed,appProperties,"
    "lastModifyingUser(displayName,emailAddress)"
)
PART_SUFFIX = ".pf-drive-part"  # a download in progress, beside its destination
PATIENT = Timeouts()  # the defaults: minutes of patience, as for a real Drive


@dataclass(frozen=True)
class DriveEndpoints:
    """Where Drive and Google's OAuth pages are: Google's, a proxy, or a test server."""

    api_url: str = "https://www.googleapis.com/"
    auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    token_uri: str = "https://oauth2.googleapis.com/token"

    @classmethod
    def from_settings(cls, settings: Any) -> DriveEndpoints:
        """From StudioSettings' drive_api_url, drive_auth_uri and drive_token_uri."""
        return cls(settings.drive_api_url, settings.drive_auth_uri, settings.drive_token_uri)


@cache
def _packaged_document() -> dict[str, Any]:
    folder = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
    return json.loads((folder / "drive.v3.json").read_text(encoding="utf-8"))


def discovery_document(api_url: str) -> dict[str, Any]:
    """drive.v3.json with every root pointed at api_url (uploads are built from rootUrl, which
    the api_endpoint client option does not change)."""
    doc = copy.deepcopy(_packaged_document())
    root = api_url if api_url.endswith("/") else api_url + "/"
    doc["rootUrl"] = root
    doc["mtlsRootUrl"] = root
    doc["baseUrl"] = root + doc["servicePath"]
    return doc


def remote_file(body: Mapping[str, Any]) -> RemoteFile:
    return RemoteFile(
        id=body["id"],
        name=body.get("name", ""),
        parents=tuple(body.get("parents", ())),
        mime_type=body.get("mimeType", ""),
        md5=body.get("md5Checksum"),
        size=int(body["size"]) if "size" in body else None,
        version=int(body.get("version", 0)),
        modified=datetime.fromisoformat(body["modifiedTime"].replace("Z", "+00:00")),
        trashed=bool(body.get("trashed", False)),
        app_properties=dict(body.get("appProperties") or {}),
        modified_by=_person(body.get("lastModifyingUser")),
    )


def _person(user: Any) -> str:
    """A Drive user's name, else their address's name part (Drive may give either, or none)."""
    if not isinstance(user, Mapping):
        return ""
    name = str(user.get("displayName") or "").strip()
    return name or str(user.get("emailAddress") or "").partition("@")[0]


def quoted(text: str) -> str:
    """A string literal for Drive's q= syntax."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        while block := fh.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


class GoogleDrive:
    """The Drive facade (sync.drive.remote.Drive) over google-api-python-client."""

    def __init__(
        self,
        endpoints: DriveEndpoints,
        credentials: Credentials,
        *,
        state_dir: Path,
        timeouts: Timeouts = PATIENT,
    ) -> None:
        self.endpoints = endpoints
        self.credentials = credentials
        self.timeouts = timeouts
        self.breaker = breaker_for(timeouts)
        state_dir.mkdir(parents=True, exist_ok=True)
        self.uploads = UploadSessions(state_dir)
        self._document = discovery_document(endpoints.api_url)
        self._pool = ThreadPoolExecutor(timeouts.workers, thread_name_prefix="drive")
        self._hashing = ThreadPoolExecutor(2, thread_name_prefix="drive-md5")
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()

    # -- plumbing --------------------------------------------------------------------------

    def _service(self) -> Any:
        """This worker thread's own HTTP object and service."""
        service = getattr(self._local, "service", None)
        if service is None:
            http = build_http()  # 308 is Resume Incomplete, not a redirect
            http.timeout = self.timeouts.attempt
            authed = AuthorizedHttp(self.credentials, http=http, max_refresh_attempts=0)
            service = build_from_document(self._document, http=authed)
            self._local.service = service
            self._local.http = authed
            with self._lock:
                self._opened.append(http)
        return service

    def _retried(self, call: Callable[[], T]) -> T:
        """Retried while transient; a 401 refreshes the token once and tries again (a second 401
        is the user's to solve). The refresh is ours, not AuthorizedHttp's: it would send a
        chunk's half-read stream again, where ours resumes the chunk from Drive's Range."""
        try:
            return retried(call, self.timeouts)
        except HttpError as e:
            if e.resp.status != 401:
                raise
        self._refresh()
        return retried(call, self.timeouts)

    def _refresh(self) -> None:
        with self._refreshing:
            http = build_http()
            http.timeout = self.timeouts.attempt
            try:
                retried(lambda: self.credentials.refresh(AuthRequest(http)), self.timeouts)
            finally:
                http.close()

    def _guarded(self, work: Callable[[], T]) -> T:
        """work() unless the breaker is open; then its outcome goes through the breaker.

        pybreaker holds its lock for the whole of breaker.call(): the work runs outside it (else
        the worker threads would take turns) and only its outcome is replayed inside."""
        if self.paused_until() is not None:
            raise plain(pybreaker.CircuitBreakerError(), self.breaker)
        done: list[T] = []
        failure: Exception | None = None
        try:
            done.append(work())
        except Exception as e:
            failure = e

        def replay() -> T:
            if failure is not None:
                raise failure
            return done[0]

        try:
            return self.breaker.call(replay)
        except pybreaker.CircuitBreakerError as tripped:
            if done:  # it worked, though another call opened the breaker meanwhile
                return done[0]
            raise plain(tripped, self.breaker) from failure
        except Exception as e:
            raise plain(e, self.breaker) from e

    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._guarded, work)

    def _execute(self, request_of: Callable[[Any], Any]) -> Any:
        return self._retried(lambda: request_of(self._service()).execute())

    def paused_until(self) -> datetime | None:
        """Until when sync is paused because Drive kept failing (None: it is not)."""
        if self.breaker.current_state != pybreaker.STATE_OPEN:
            return None
        until = paused_until(self.breaker)
        return until if datetime.now(UTC) < until else None  # past it: one call may try

    # -- reads -----------------------------------------------------------------------------

    async def account(self) -> str:
        body = await self._run(
            lambda: self._execute(lambda s: s.about().get(fields="user(emailAddress)"))
        )
        return str(body["user"]["emailAddress"])

    async def start_page_token(self) -> str:
        body = await self._run(
            lambda: self._execute(lambda s: s.changes().getStartPageToken(fields="startPageToken"))
        )
        return str(body["startPageToken"])

    async def changes(self, page_token: str) -> tuple[list[RemoteChange], str]:
        return await self._run(lambda: self._changes(page_token))

    def _changes(self, page_token: str) -> tuple[list[RemoteChange], str]:
        found: list[RemoteChange] = []
        token = page_token
        fields = f"nextPageToken,newStartPageToken,changes(fileId,removed,file({FILE_FIELDS}))"
        while True:
            body = self._execute(
                lambda s, t=token: s.changes().list(
                    pageToken=t, pageSize=1000, includeRemoved=True, spaces="drive", fields=fields
                )
            )
            for entry in body.get("changes", []):
                file = entry.get("file")
                removed = bool(entry.get("removed")) or file is None
                found.append(
                    RemoteChange(
                        file_id=entry["fileId"],
                        removed=removed,
                        file=None if removed else remote_file(file),
                    )
                )
            if "newStartPageToken" in body:
                return found, str(body["newStartPageToken"])
            token = body["nextPageToken"]

    async def children(self, folder_id: str) -> list[RemoteFile]:
        return await self._run(
            lambda: self._list(f"{quoted(folder_id)} in parents and trashed = false")
        )

    def _list(self, q: str) -> list[RemoteFile]:
        found: list[RemoteFile] = []
        token: str | None = None
        while True:
            body = self._execute(
                lambda s, t=token: s.files().list(
                    q=q,
                    pageSize=1000,
                    pageToken=t,
                    spaces="drive",
                    fields=f"nextPageToken,files({FILE_FIELDS})",
                )
            )
            found.extend(remote_file(f) for f in body.get("files", []))
            token = body.get("nextPageToken")
            if not token:
                return found

    async def get(self, file_id: str) -> RemoteFile:
        body = await self._run(
            lambda: self._execute(lambda s: s.files().get(fileId=file_id, fields=FILE_FIELDS))
        )
        return remote_file(body)

    # -- writes ----------------------------------------------------------------------------

    async def find_or_create_folder(
        self, name: str, parent_id: str, app_properties: Mapping[str, str] | None = None
    ) -> RemoteFile:
        return await self._run(lambda: self._folder(name, parent_id, dict(app_properties or {})))

    def _folder(self, name: str, parent_id: str, props: dict[str, str]) -> RemoteFile:
        q = (
            f"name = {quoted(name)} and mimeType = {quoted(FOLDER_MIME)} and "
            f"{quoted(parent_id)} in parents and trashed = false"
        )

        def attempt() -> RemoteFile:
            # Looked for again on every try: a create whose answer was lost made the folder.
            found = self._list_once(q)
            if found:
                folder = found[0]
                if props and any(folder.app_properties.get(k) != v for k, v in props.items()):
                    body = {"appProperties": props}
                    update = (
                        self._service()
                        .files()
                        .update(fileId=folder.id, body=body, fields=FILE_FIELDS)
                    )
                    folder = remote_file(update.execute())
                return folder
            body = {"name": name, "mimeType": FOLDER_MIME, "parents": [parent_id]}
            if props:
                body["appProperties"] = props
            return remote_file(
                self._service().files().create(body=body, fields=FILE_FIELDS).execute()
            )

        return self._retried(attempt)

    def _list_once(self, q: str) -> list[RemoteFile]:
        body = (
            self._service()
            .files()
            .list(q=q, pageSize=10, spaces="drive", fields=f"files({FILE_FIELDS})")
            .execute()
        )
        return [remote_file(f) for f in body.get("files", [])]

    async def update(
        self,
        file_id: str,
        *,
        name: str | None = None,
        add_parent: str | None = None,
        remove_parent: str | None = None,
        app_properties: Mapping[str, str] | None = None,
    ) -> RemoteFile:
        props = dict(app_properties) if app_properties is not None else None
        return await self._run(
            lambda: self._update(file_id, name, add_parent, remove_parent, props)
        )

    def _update(
        self,
        file_id: str,
        name: str | None,
        add_parent: str | None,
        remove_parent: str | None,
        props: dict[str, str] | None,
    ) -> RemoteFile:
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if props is not None:
            body["appProperties"] = props
        extra = {}
        if add_parent:
            extra["addParents"] = add_parent
        if remove_parent:
            extra["removeParents"] = remove_parent
        return remote_file(
            self._execute(
                lambda s: s.files().update(fileId=file_id, body=body, fields=FILE_FIELDS, **extra)
            )
        )

    async def trash(self, file_id: str) -> None:
        await self._run(
            lambda: self._execute(
                lambda s: s.files().update(fileId=file_id, body={"trashed": True}, fields="id")
            )
        )

    # -- uploads ---------------------------------------------------------------------------

    async def upload(
        self,
        path: Path,
        *,
        name: str,
        parent_id: str,
        app_properties: Mapping[str, str],
        resume_key: str,
        file_id: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> RemoteFile:
        props = dict(app_properties)
        return await self._run(
            lambda: self._upload(path, name, parent_id, props, resume_key, file_id, progress)
        )

    def _upload(
        self,
        path: Path,
        name: str,
        parent_id: str,
        props: dict[str, str],
        key: str,
        file_id: str | None,
        progress: Callable[[int, int], None] | None,
    ) -> RemoteFile:
        stat = path.stat()
        md5: Future[str] = self._hashing.submit(md5_of, path)  # alongside the upload, not before
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        media = MediaFileUpload(str(path), mimetype=mime, chunksize=CHUNK, resumable=True)
        try:
            files = self._service().files()
            if file_id is None:
                meta = {"name": name, "parents": [parent_id], "appProperties": props}
                request = files.create(body=meta, media_body=media, fields=FILE_FIELDS)
            else:
                meta = {"name": name, "appProperties": props}
                request = files.update(
                    fileId=file_id, body=meta, media_body=media, fields=FILE_FIELDS
                )
            saved = self.uploads.load(key)
            if saved and (saved.size, saved.mtime_ns, saved.file_id) == (
                stat.st_size,
                stat.st_mtime_ns,
                file_id,
            ):
                # The library's own way to pick up a session after a failure: in its error state
                # the next chunk first asks Drive `bytes */N` how much it already has.
                request.resumable_uri = saved.uri
                request._in_error_state = True
            else:
                saved = None
            body = self._send(request, key, saved, stat, file_id, md5, progress)
        finally:
            media.stream().close()
        result = remote_file(body)
        self.uploads.forget(key)
        if result.md5 != md5.result():
            raise DriveChecksumMismatch(
                f"Google Drive stored {name} with other bytes than were sent; it is uploaded again "
                "on the next sync."
            )
        return result

    def _send(
        self,
        request: Any,
        key: str,
        saved: UploadSession | None,
        stat: os.stat_result,
        file_id: str | None,
        md5: Future[str],
        progress: Callable[[int, int], None] | None,
    ) -> dict[str, Any]:
        total = stat.st_size
        response = None
        while response is None:
            try:
                status, response = self._retried(request.next_chunk)
            except HttpError as e:
                if saved is None or e.resp.status not in (404, 410):
                    raise
                # The saved session is gone (expired, or another account): start a new one.
                self.uploads.forget(key)
                saved = None
                request.resumable_uri = None
                request.resumable_progress = 0
                request._in_error_state = False
                continue
            if request.resumable_uri and (
                saved is None
                or saved.uri != request.resumable_uri
                or (saved.md5 is None and md5.done())
            ):
                saved = UploadSession(
                    uri=request.resumable_uri,
                    size=total,
                    mtime_ns=stat.st_mtime_ns,
                    file_id=file_id,
                    md5=md5.result() if md5.done() else None,
                )
                self.uploads.save(key, saved)
            if progress is not None:
                progress(total if response is not None else status.resumable_progress, total)
        return response

    # -- downloads -------------------------------------------------------------------------

    async def download(self, file_id: str, dest: Path, *, md5: str) -> None:
        await self._run(lambda: self._download(file_id, dest, md5))

    def _download(self, file_id: str, dest: Path, md5: str) -> None:
        part = dest.with_name(f".{dest.name}{PART_SUFFIX}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        # A part left by an earlier try carries on; should it not add up (the file changed in
        # Drive since), one more try from nothing.
        for fresh in (False, True) if part.exists() else (True,):
            if fresh:
                part.unlink(missing_ok=True)
            self._fetch(file_id, part)
            if md5_of(part) == md5:
                break
        else:
            part.unlink(missing_ok=True)
            raise DriveChecksumMismatch(
                f"The download of {dest.name} does not match Google Drive's checksum; "
                "nothing was kept, it is fetched again on the next sync."
            )
        with open(part, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(part, dest)
        fsync_dir(dest.parent)

    def _fetch(self, file_id: str, part: Path) -> None:
        """Ranged GETs of CHUNK bytes, appended to the part file (a partial one carries on)."""
        uri = self._service().files().get_media(fileId=file_id).uri
        with open(part, "ab") as out:
            while True:
                have = out.tell()

                def piece(have: int = have) -> tuple[Any, bytes]:
                    self._service()
                    http = self._local.http
                    headers = {"range": f"bytes={have}-{have + CHUNK - 1}"}
                    resp, content = http.request(uri, "GET", headers=headers)
                    if resp.status not in (200, 206, 416):
                        raise HttpError(resp, content, uri=uri)
                    return resp, content

                resp, content = self._retried(piece)
                if resp.status == 416:  # nothing past what we have: an empty file, or all there
                    return
                if resp.status == 200:  # the whole file, range or not
                    out.seek(0)
                    out.truncate()
                    out.write(content)
                    out.flush()
                    return
                out.write(content)
                out.flush()
                total = int(resp["content-range"].rsplit("/", 1)[1])
                if out.tell() >= total:
                    return

    async def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._hashing.shutdown(wait=True)
        with self._lock:
            for http in self._opened:
                with contextlib.suppress(Exception):
                    http.close()
            self._opened.clear()


def open_drive(
    endpoints: DriveEndpoints,
    credentials: Credentials,
    *,
    state_dir: Path,
    timeouts: Timeouts = PATIENT,
) -> GoogleDrive:
    """The Drive a sync uses: calls off the GUI thread, retried, breaker-guarded."""
    return GoogleDrive(endpoints, credentials, state_dir=state_dir, timeouts=timeouts)


def credentials_for(
    endpoints: DriveEndpoints,
    *,
    refresh_token: str,
    client_id: str,
    client_secret: str,
    access_token: str | None = None,
) -> Credentials:
    """Google credentials that refresh themselves at the settings' token address."""
    return Credentials(
        token=access_token,
        refresh_token=refresh_token,
        token_uri=endpoints.token_uri,
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(SCOPES),
    )


__all__ = ["CHUNK", "DriveEndpoints", "GoogleDrive", "Timeouts", "credentials_for", "open_drive"]
