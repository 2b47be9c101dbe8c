"""Fixtures for the imaging tests: the shared, read-only folder of real camera files."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PHOTOS = Path(os.environ.get("PHOTOFLOW_TEST_PHOTOS", REPO.parent / "shared" / "photos"))


def shared_photo_names() -> list[str]:
    """Every file of the shared folder except its manifest (empty if the folder is absent)."""
    if not PHOTOS.is_dir():
        return []
    return sorted(p.name for p in PHOTOS.iterdir() if p.is_file() and p.name != "MANIFEST.tsv")


def manifest() -> dict[str, dict[str, str]]:
    path = PHOTOS / "MANIFEST.tsv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        return {row["file"]: row for row in csv.DictReader(f, delimiter="\t")}


@pytest.fixture
def photos() -> Path:
    if not PHOTOS.is_dir():
        pytest.fail(f"shared test photos not found at {PHOTOS} (set PHOTOFLOW_TEST_PHOTOS)")
    return PHOTOS
