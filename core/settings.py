"""A studio's settings: stage rule numbers, link defaults, watermark, Drive root, portal address."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from core.errors import Invalid
from core.finals.presets import presets_from
from core.workflow import StageRules

DOWNLOAD_SIZES = ("web", "full")
SMTP_SECURITY = ("none", "starttls", "tls")


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
    # Delivery (issue 14): the export presets finals are made through, as plain dicts (see
    # core/finals/presets.py); None: the defaults, "Print (full size)" and "Web (2048 px)".
    export_presets: list[dict[str, Any]] | None = None
    # Gallery downloads (issue 14, gallery-zip): the size a new link lets clients download in
    # Final when it allows downloads: "web" (the web preset's finals) or "full".
    link_download_size: str = "full"
    # E-mail (issue 14): the studio's SMTP server for invites, the photographer's notices and
    # reminders; none is sent while smtp_host is empty. The password is in the OS keyring.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"  # none | starttls | tls
    smtp_user: str = ""
    smtp_from: str = ""
    remind_days_before_expiry: int = 3  # 0: no reminder before a link expires
    remind_unsent_after_days: int = 7  # 0: no reminder when picks were never sent
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
        if self.link_download_size not in DOWNLOAD_SIZES:
            raise Invalid("Links let clients download web size or full size finals.")
        if self.drive_delete_limit < 0:
            raise Invalid("The Drive deletion limit cannot be negative.")
        if not 1 <= self.portal_port <= 65535:
            raise Invalid("The portal port must be between 1 and 65535.")
        self._validate_mail()
        scheme, _, rest = self.portal_base_url.partition("://")
        if scheme not in ("http", "https") or not rest.strip("/") or any(c.isspace() for c in rest):
            raise Invalid(
                "The portal address is a web address such as https://photos.example.com "
                "or http://192.168.1.20:8470."
            )
        presets_from(self.export_presets)

    def _validate_mail(self) -> None:
        if self.smtp_security not in SMTP_SECURITY:
            raise Invalid("SMTP security is none, starttls or tls.")
        if not 1 <= self.smtp_port <= 65535:
            raise Invalid("The SMTP port must be between 1 and 65535.")
        if self.remind_days_before_expiry < 0 or self.remind_unsent_after_days < 0:
            raise Invalid("Reminder days cannot be negative (0 sends none).")
        if self.smtp_host and "@" not in self.smtp_from:
            raise Invalid("With an SMTP server, give the address mail comes from (smtp_from).")
        if any(c.isspace() for c in self.smtp_host + self.smtp_from):
            raise Invalid("The SMTP server and the from address have no spaces.")
        if not self.smtp_from.isascii():
            raise Invalid(
                "Give the address mail comes from in plain Latin letters: many mail servers "
                "refuse accents or non-Latin letters there."
            )

    @property
    def mail_on(self) -> bool:
        return bool(self.smtp_host)

    def rules(self, album_min: int | None = None, album_max: int | None = None) -> StageRules:
        """The album's own limits win over the studio's."""
        return StageRules(
            min_select=album_min if album_min is not None else self.min_select,
            max_select=album_max if album_max is not None else self.max_select,
        )
