"""The layout of a PhotoFlow home folder: catalog, library of originals, preview cache, config."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.fsutil import write_atomic


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def catalog_path(self) -> Path:
        return self.root / "catalog.sqlite"

    @property
    def library(self) -> Path:
        return self.root / "library"

    @property
    def previews(self) -> Path:
        return self.root / "cache" / "previews"

    @property
    def contact_sheets(self) -> Path:
        """Albums' rows kept between openings (core.services.contact_sheets): derived."""
        return self.root / "cache" / "sheets"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def config_path(self) -> Path:
        return self.root / "config.json"

    def ensure(self) -> Home:
        for folder in (self.root, self.library, self.previews):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def read_config(self) -> dict[str, Any]:
        try:
            return json.loads(self.config_path.read_text("utf-8"))
        except FileNotFoundError:
            return {}

    def write_config(self, config: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self.config_path, json.dumps(config, indent=2, sort_keys=True).encode())

    @property
    def is_initialised(self) -> bool:
        """A catalog is here. (The default user in config.json is a convenience: a home whose
        init was killed before config.json was written still opens, as its superadmin.)"""
        return self.catalog_path.exists()


def default_home_root() -> Path:
    """PHOTOFLOW_HOME, else the platform's app-data folder."""
    env = os.environ.get("PHOTOFLOW_HOME")
    if env:
        return Path(env).expanduser()
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "PhotoFlow"
    if os.uname().sysname == "Darwin":
        return Path.home() / "Library" / "Application Support" / "PhotoFlow"
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "PhotoFlow"
