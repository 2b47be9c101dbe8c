"""Where an album's files live in Drive, and how a file in Drive says whose version it is.

Root (the studio's `drive_root`) / album folder / `Originals`, `Stock`, `Retouched/Round N`,
`Final/<preset>` (a folder per export preset, named as the library's `final/<preset>`). Each file
we put there (or take in) carries the album, photo, version kind and round (and a final's preset)
in its `appProperties`, so that a file renamed or moved in Drive is still known for what it is.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePosixPath

from core.services.drive_state import Slot

FOLDERS = {"original": "Originals", "stock": "Stock", "final": "Final"}
RETOUCHED = "Retouched"
_ROUND = re.compile(r"^Retouched/Round (\d{1,3})$")

ALBUM = "photoflow_album"
PHOTO = "photoflow_photo"
KIND = "photoflow_kind"
ROUND = "photoflow_round"
PRESET = "photoflow_preset"  # a final's export preset, by its folder name
CONFLICT = "photoflow_conflict"


def folder_for(kind: str, round_: int) -> str:
    """The folder of a version kind, as a path inside the album folder."""
    if kind == "retouched":
        return f"{RETOUCHED}/Round {round_}"
    return FOLDERS[kind]


def folder_of(slot: Slot) -> str:
    """The folder a synced file belongs in: its version's, or its preset's under `Final`."""
    if slot.kind == "final":
        return f"{FOLDERS['final']}/{slot.preset}"
    return folder_for(slot.kind, slot.round)


def in_finals(folder: str | None) -> bool:
    """Whether a folder of the album is `Final` or one of its presets' folders."""
    final = FOLDERS["final"]
    return folder is not None and (folder == final or folder.startswith(final + "/"))


def version_of_folder(folder: str) -> tuple[str, int] | None:
    """The version kind and round a folder holds (None: not one of the album's folders)."""
    for kind, name in FOLDERS.items():
        if folder == name:
            return kind, 0
    match = _ROUND.match(folder)
    if match:
        return "retouched", int(match.group(1))
    return None


def properties(album_id: uuid.UUID, slot: Slot) -> dict[str, str]:
    photo_id, kind, round_, preset = slot
    props = {ALBUM: str(album_id), PHOTO: str(photo_id), KIND: kind, ROUND: str(round_)}
    if preset:
        props[PRESET] = preset
    return props


def slot_of(app_properties: Mapping[str, str], album_id: uuid.UUID) -> Slot | None:
    """The version a Drive file says it is, if it says it is one of this album's."""
    if app_properties.get(ALBUM) != str(album_id) or app_properties.get(CONFLICT):
        return None
    try:
        photo = uuid.UUID(app_properties[PHOTO])
        kind = app_properties[KIND]
        round_ = int(app_properties.get(ROUND, "0"))
    except (KeyError, ValueError):
        return None
    preset = app_properties.get(PRESET, "") if kind == "final" else ""
    if kind not in ("original", "stock", "retouched", "final") or (kind == "final" and not preset):
        return None
    return Slot(photo, kind, round_, preset)


def conflict_name(filename: str, when: datetime, who: str) -> str:
    """`IMG_0001 (conflict 2026-12-02 Ana).jpg`: the other side's copy of a file changed on both."""
    path = PurePosixPath(filename)
    who = re.sub(r"[\\/:*?\"<>|()]+", " ", who).strip() or "Drive"
    return f"{path.stem} (conflict {when:%Y-%m-%d} {who}){path.suffix}"


def is_conflict_copy(app_properties: Mapping[str, str]) -> bool:
    return bool(app_properties.get(CONFLICT))
