"""The fake answers as Drive does where our client depends on it: resumable uploads, ranged
downloads, partial responses, the change log, errors and tokens."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httplib2
import pytest
from googleapiclient.http import build_http

from tests.drive.fake_drive import CHUNK_QUANTUM, FOLDER, FakeDrive


class Raw:
    """Plain HTTP to the fake with a valid bearer token, as the client library would send it."""

    def __init__(self, fake: FakeDrive) -> None:
        self.fake = fake
        self.http = build_http()
        self.token = fake.issue_tokens()[0]

    def __call__(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[httplib2.Response, bytes]:
        url = path if path.startswith("http") else self.fake.url + path.lstrip("/")
        headers = {k.replace("_", "-"): v for k, v in headers.items()}
        headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.http.request(url, method, body=body, headers=headers)

    def json(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers.setdefault("Content_Type", "application/json")
        resp, content = self(method, path, data, **headers)
        assert resp.status < 300, (resp.status, content)
        return json.loads(content) if content else None


@pytest.fixture
def raw(fake_drive: FakeDrive) -> Iterator[Raw]:
    raw = Raw(fake_drive)
    yield raw
    raw.http.close()


def test_a_resumable_upload_goes_by_location_308_and_range_and_answers_a_status_query(
    raw: Raw, fake_drive: FakeDrive
) -> None:
    data = bytes(range(256)) * (CHUNK_QUANTUM * 3 // 256) + b"tail"
    fields = urlencode({"uploadType": "resumable", "fields": "id,name,size,md5Checksum,version"})
    resp, _ = raw(
        "POST",
        f"upload/drive/v3/files?{fields}",
        json.dumps({"name": "a.jpg", "parents": [fake_drive.root_id]}).encode(),
        Content_Type="application/json",
        X_Upload_Content_Length=str(len(data)),
    )
    assert resp.status == 200
    session = resp["location"]

    resp, _ = raw("PUT", session, b"", Content_Range=f"bytes */{len(data)}")
    assert resp.status == 308 and "range" not in resp  # nothing yet

    resp, content = raw(
        "PUT",
        session,
        data[: CHUNK_QUANTUM + 1],
        Content_Range=f"bytes 0-{CHUNK_QUANTUM}/{len(data)}",
    )
    assert resp.status == 400, "a chunk that is not a multiple of 256 KiB is refused"
    assert b"multiple of 262144 bytes" in content

    first = 2 * CHUNK_QUANTUM
    resp, _ = raw("PUT", session, data[:first], Content_Range=f"bytes 0-{first - 1}/{len(data)}")
    assert resp.status == 308 and resp["range"] == f"bytes=0-{first - 1}"

    resp, _ = raw("PUT", session, b"", Content_Range=f"bytes */{len(data)}")
    assert resp.status == 308 and resp["range"] == f"bytes=0-{first - 1}"

    resp, content = raw(
        "PUT", session, data[first:], Content_Range=f"bytes {first}-{len(data) - 1}/{len(data)}"
    )
    assert resp.status == 200
    body = json.loads(content)
    assert body["size"] == str(len(data))  # sizes are strings, as in Drive
    assert body["md5Checksum"] == hashlib.md5(data).hexdigest()
    assert body["version"] == "1" and set(body) == {"id", "name", "size", "md5Checksum", "version"}

    resp, content = raw("PUT", session, b"", Content_Range=f"bytes */{len(data)}")
    assert resp.status == 200 and json.loads(content)["id"] == body["id"]  # done stays done


def test_fields_default_to_kind_id_name_mimetype_and_select_nested_parts(
    raw: Raw, fake_drive: FakeDrive
) -> None:
    file = fake_drive.put_file("a.jpg", None, b"abc", {"photo": "7"})
    assert raw.json("GET", f"drive/v3/files/{file.id}") == {
        "kind": "drive#file",
        "id": file.id,
        "name": "a.jpg",
        "mimeType": "application/octet-stream",
    }
    got = raw.json("GET", f"drive/v3/files/{file.id}?fields=size,appProperties,modifiedTime")
    assert got["size"] == "3" and got["appProperties"] == {"photo": "7"}
    assert got["modifiedTime"].endswith("Z") and "T" in got["modifiedTime"]  # RFC 3339
    listing = raw.json(
        "GET",
        "drive/v3/files?"
        + urlencode(
            {
                "q": f"'{fake_drive.root_id}' in parents and trashed = false",
                "fields": "files(id,md5Checksum)",
            }
        ),
    )
    assert listing == {"files": [{"id": file.id, "md5Checksum": hashlib.md5(b"abc").hexdigest()}]}


def test_files_list_pages_and_filters_by_parent_trash_name_and_type(
    raw: Raw, fake_drive: FakeDrive
) -> None:
    album = fake_drive.put_folder("Album")
    for n in range(5):
        fake_drive.put_file(f"{n}.jpg", album.id, b"x")
    fake_drive.trash(fake_drive.put_file("gone.jpg", album.id, b"x").id)
    fake_drive.put_file("elsewhere.jpg", None, b"x")
    q = f"'{album.id}' in parents and trashed = false"
    names, token = [], None
    while True:
        params = {"q": q, "pageSize": "2", "fields": "nextPageToken,files(name)"}
        if token:
            params["pageToken"] = token
        page = raw.json("GET", "drive/v3/files?" + urlencode(params))
        names += [f["name"] for f in page["files"]]
        token = page.get("nextPageToken")
        if not token:
            break
    assert sorted(names) == [f"{n}.jpg" for n in range(5)]
    q = f"name = 'Album' and mimeType = '{FOLDER}' and 'root' in parents and trashed = false"
    assert raw.json("GET", "drive/v3/files?" + urlencode({"q": q}))["files"][0]["id"] == album.id


def test_the_change_log_has_the_latest_change_per_file_with_trashed_and_removed_entries(
    raw: Raw, fake_drive: FakeDrive
) -> None:
    kept = fake_drive.put_file("kept.jpg", None, b"1")
    start = raw.json("GET", "drive/v3/changes/startPageToken")["startPageToken"]
    fake_drive.replace(kept.id, b"22")
    fake_drive.rename(kept.id, "renamed.jpg")
    trashed = fake_drive.put_file("trashed.jpg", None, b"3")
    fake_drive.trash(trashed.id)
    deleted = fake_drive.put_file("deleted.jpg", None, b"4")
    fake_drive.delete(deleted.id)

    fields = "nextPageToken,newStartPageToken,changes(fileId,removed,file(name,trashed,version))"
    seen: dict[str, Any] = {}
    token, pages = start, 0
    while True:
        page = raw.json(
            "GET",
            "drive/v3/changes?"
            + urlencode({"pageToken": token, "pageSize": "1", "fields": fields}),
        )
        pages += 1
        for change in page["changes"]:
            seen[change["fileId"]] = change
        if "newStartPageToken" in page:
            new_start = page["newStartPageToken"]
            break
        token = page["nextPageToken"]
    assert pages == 3  # one entry per file, the latest
    assert seen[kept.id]["file"] == {"name": "renamed.jpg", "trashed": False, "version": "3"}
    assert seen[trashed.id] == {
        "fileId": trashed.id,
        "removed": False,
        "file": {"name": "trashed.jpg", "trashed": True, "version": "2"},
    }
    assert seen[deleted.id] == {"fileId": deleted.id, "removed": True}
    after = raw.json("GET", "drive/v3/changes?" + urlencode({"pageToken": new_start}))
    assert after["changes"] == [] and after["newStartPageToken"] == new_start


def test_a_ranged_download_answers_206_with_content_range(raw: Raw, fake_drive: FakeDrive) -> None:
    file = fake_drive.put_file("a.jpg", None, b"0123456789")
    resp, content = raw("GET", f"drive/v3/files/{file.id}?alt=media", Range="bytes=3-5")
    assert (resp.status, content, resp["content-range"]) == (206, b"345", "bytes 3-5/10")
    resp, content = raw("GET", f"drive/v3/files/{file.id}?alt=media")
    assert (resp.status, content) == (200, b"0123456789")
    resp, _ = raw("GET", f"drive/v3/files/{file.id}?alt=media", Range="bytes=10-")
    assert resp.status == 416 and resp["content-range"] == "bytes */10"


def test_errors_come_in_drives_format_and_a_bad_token_gets_401(
    raw: Raw, fake_drive: FakeDrive
) -> None:
    resp, content = raw("GET", "drive/v3/files/nope")
    error = json.loads(content)["error"]
    assert resp.status == 404 and error["code"] == 404
    assert (
        error["errors"][0]["reason"] == "notFound" and error["message"] == "File not found: nope."
    )

    resp, content = raw("GET", "drive/v3/files", Authorization="Bearer stale")
    assert resp.status == 401 and json.loads(content)["error"]["errors"][0]["reason"] == "authError"

    fake_drive.fail("too_many", retry_after=7, method="GET", path="/files")
    resp, content = raw("GET", "drive/v3/files")
    assert resp.status == 429 and resp["retry-after"] == "7"
    assert json.loads(content)["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    resp, _ = raw("GET", "drive/v3/files")
    assert resp.status == 200  # the fault was for one request

    file = fake_drive.put_file("a.jpg", None, b"x")
    resp, content = raw(
        "PATCH",
        f"drive/v3/files/{file.id}",
        json.dumps({"parents": ["x"]}).encode(),
        Content_Type="application/json",
    )
    assert resp.status == 403 and b"addParents" in content


def test_multipart_and_simple_uploads_from_the_real_client_library(fake_drive: FakeDrive) -> None:
    from google.oauth2.credentials import Credentials
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient.discovery import build_from_document
    from googleapiclient.http import MediaInMemoryUpload

    from sync.drive.client import discovery_document

    http = build_http()
    authed = AuthorizedHttp(Credentials(fake_drive.issue_tokens()[0]), http=http)
    files = build_from_document(discovery_document(fake_drive.url), http=authed).files()
    try:
        made = files.create(
            body={"name": "a.txt", "appProperties": {"photo": "p1"}},
            media_body=MediaInMemoryUpload(b"first", mimetype="text/plain"),  # multipart
            fields="id,mimeType,size,appProperties",
        ).execute()
        assert made["mimeType"] == "text/plain" and made["size"] == "5"
        assert made["appProperties"] == {"photo": "p1"}
        files.update(
            fileId=made["id"], media_body=MediaInMemoryUpload(b"second!", mimetype="text/plain")
        ).execute()
        assert fake_drive.file(made["id"]).data == b"second!"
        assert fake_drive.file(made["id"]).version == 2
    finally:
        http.close()
