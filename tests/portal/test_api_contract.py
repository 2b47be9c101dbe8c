"""The portal's JSON API against its OpenAPI document: schemathesis against a live server.

Left out on purpose: `ignored_auth` (a request without a session gets the same 404 as a gallery
that does not exist, so that nobody can probe which links exist) and `positive_data_acceptance`
(well-formed requests that a workflow rule refuses, such as picking past the limit or approving
in the Rate stage, get a plain 400 with the reason).
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

from tests.portal.conftest import Portal, Visitor

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXCLUDED = "ignored_auth,positive_data_acceptance"


async def test_openapi_document_is_served(portal: Portal, visitor: Visitor):
    r = await visitor.get("/api/openapi.json")
    doc = json.loads(await r.read())
    assert doc["openapi"].startswith("3.") and "/api/gallery" in doc["paths"]


async def test_schemathesis_finds_no_server_error(portal: Portal, visitor: Visitor, tmp_path: Path):
    await visitor.enter(await portal.link(max_select=3))
    cookie = next(c for c in visitor.http.cookie_jar if c.key == "pf_session").value
    report = tmp_path / "junit.xml"
    proc = await asyncio.create_subprocess_exec(
        str(SCHEMATHESIS),
        "run",
        portal.url + "/api/openapi.json",
        "-H",
        f"Cookie: pf_session={cookie}",
        "-H",
        f"Origin: {portal.url}",
        "-H",
        f"X-CSRF-Token: {visitor.csrf}",
        "--max-examples",
        "150",
        "--seed",
        "20240501",
        "--generation-with-security-parameters",
        "false",
        "--exclude-checks",
        EXCLUDED,
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        "--no-color",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 600)
    text = out.decode(errors="replace")
    generated = int(re.search(r"(\d+) generated", text).group(1))  # type: ignore[union-attr]
    assert generated >= 1000, text[-3000:]
    assert "not_a_server_error" not in text and "Server error" not in text, text[-6000:]
    assert proc.returncode == 0, text[-6000:]
