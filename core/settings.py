"""A studio's settings: stage rule numbers, link defaults, watermark, Drive root, portal address."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from core.errors import Invalid
from core.workflow import StageRules


@dataclass(frozen=True)
class StudioSettings:
    min_select: int = 1
    max_select: int | None = None
    link_expiry_days: int = 30
    link_allow_download: bool = False
    link_watermark: bool = True
    watermark_text: str = ""
    drive_root: str = ""
    portal_base_url: str = "http://127.0.0.1:8470"
    portal_host: str = "127.0.0.1"
    portal_port: int = 8470
    # Google Drive (issue 13): where the Drive API and Google's OAuth pages are, so that a proxy
    # or a test server can stand in; the OAuth client of the installed app (an installed app's
    # client secret is no secret: Google says so, PKCE is what protects the sign-in).
    drive_api_url: str = "https://www.googleapis.com/"
    drive_auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    drive_token_uri: str = "https://oauth2.googleapis.com/token"
    drive_client_id: str = ""
    drive_client_secret: str = ""
    # Google Drive sync (issue 13): a run that would delete more files than this (or more than
    # half of an album's synced files, whichever is smaller) stops and asks first.
    drive_delete_limit: int = 50

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> StudioSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, **changes: Any) -> StudioSettings:
        known = {f.name: f for f in fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise Invalid(f"Unknown setting: {', '.join(unknown)}.")
        new = replace(self, **changes)
        new.validate()
        return new

    def validate(self) -> None:
        if self.min_select < 0:
            raise Invalid("The minimum selection cannot be negative.")
        if self.max_select is not None and self.max_select < max(self.min_select, 1):
            raise Invalid("The maximum selection must be at least the minimum, and at least 1.")
        if self.link_expiry_days < 1:
            raise Invalid("Links must stay valid for at least one day.")
        if self.drive_delete_limit < 0:
            raise Invalid("The Drive deletion limit cannot be negative.")
        if not 1 <= self.portal_port <= 65535:
            raise Invalid("The portal port must be between 1 and 65535.")
        scheme, _, rest = self.portal_base_url.partition("://")
        if scheme not in ("http", "https") or not rest.strip("/") or any(c.isspace() for c in rest):
            raise Invalid(
                "The portal address is a web address such as https://photos.example.com "
                "or http://192.168.1.20:8470."
            )

    def rules(self, album_min: int | None = None, album_max: int | None = None) -> StageRules:
        """The album's own limits win over the studio's."""
        return StageRules(
            min_select=album_min if album_min is not None else self.min_select,
            max_select=album_max if album_max is not None else self.max_select,
        )
