"""One upload in a process of its own, for the kill -9 test:

    python -m tests.drive.upload_process JOB.json

JOB holds the fake's addresses, the tokens, the state folder, the file, its Drive parent and the
resume key. Prints "chunk N" after each chunk Drive acknowledged and, at the end, "done ID MD5"."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from sync.drive.client import DriveEndpoints, credentials_for, open_drive


async def main(job_path: str) -> None:
    job = json.loads(Path(job_path).read_text())
    endpoints = DriveEndpoints(job["api_url"], job["auth_uri"], job["token_uri"])
    credentials = credentials_for(
        endpoints,
        refresh_token=job["refresh"],
        client_id=job["client_id"],
        client_secret=job["client_secret"],
        access_token=job["access"],
    )
    drive = open_drive(endpoints, credentials, state_dir=Path(job["state_dir"]))
    try:
        file = await drive.upload(
            Path(job["path"]),
            name=Path(job["path"]).name,
            parent_id=job["parent_id"],
            app_properties={"photo": "p1"},
            resume_key=job["key"],
            progress=lambda done, total: print("chunk", done, total, flush=True),
        )
        print("done", file.id, file.md5, flush=True)
    finally:
        await drive.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
