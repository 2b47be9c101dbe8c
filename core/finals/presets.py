"""Export presets, as in Lightroom and Photo Mechanic: size, format, colour, sharpening, names,
watermark and metadata of the finals a delivery makes. Pure data; no database, no imaging."""

from __future__ import annotations

import re
import string
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any

from core.errors import Invalid

FORMATS = ("jpeg", "tiff")
SHARPENING = ("none", "screen", "print")
EXTENSIONS = {"jpeg": ".jpg", "tiff": ".tif"}
# The fields a rename template may use; {seq} takes a width ("{seq:03}").
TEMPLATE_FIELDS = ("album", "seq", "stem", "date", "preset", "client")
DEFAULT_TEMPLATE = "{album}-{seq:03}"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class ExportPreset:
    name: str
    long_edge: int | None = None  # None: full size
    format: str = "jpeg"
    quality: int = 92  # JPEG only
    srgb: bool = True  # converted to sRGB with the source's ICC profile, sRGB embedded
    sharpen: str = "none"  # output sharpening: none, screen or print
    rename: str = DEFAULT_TEMPLATE
    watermark: bool = False  # the studio's watermark text across the picture
    keep_gps: bool = False
    keep_serials: bool = False  # camera body and lens serial numbers

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExportPreset:
        if not isinstance(data, dict):
            raise Invalid("An export preset is a set of named values.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise Invalid(f"Unknown export preset setting: {', '.join(unknown)}.")
        if "name" not in data:
            raise Invalid("An export preset needs a name.")
        preset = cls(**data)
        return preset.validated()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    @property
    def folder(self) -> str:
        """The preset's folder under an album's `final/`: its name, made safe for a path."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")
        return slug or "preset"

    def validated(self) -> ExportPreset:
        name = " ".join(str(self.name).split())
        if not name:
            raise Invalid("An export preset needs a name.")
        if len(name) > 100:
            raise Invalid("An export preset's name can be at most 100 characters.")
        if self.long_edge is not None and (
            not isinstance(self.long_edge, int) or not 64 <= self.long_edge <= 20000
        ):
            raise Invalid(
                "The long edge is a number of pixels between 64 and 20000 (or full size)."
            )
        fmt = str(self.format).lower()
        fmt = "jpeg" if fmt == "jpg" else "tiff" if fmt == "tif" else fmt
        if fmt not in FORMATS:
            raise Invalid(f"Finals are JPEG or TIFF, not {self.format!r}.")
        if not isinstance(self.quality, int) or not 1 <= self.quality <= 100:
            raise Invalid("JPEG quality is a number from 1 to 100.")
        if self.sharpen not in SHARPENING:
            raise Invalid("Output sharpening is none, screen or print.")
        check_template(self.rename)
        return replace(self, name=name, format=fmt)

    def filename(self, **values: Any) -> str:
        """The final's name: the rename template filled in, then the format's extension."""
        return render(self.rename, preset=self.name, **values) + self.extension


DEFAULT_PRESETS = (
    ExportPreset("Print (full size)", None, "jpeg", 95, sharpen="print"),
    ExportPreset(
        "Web (2048 px)", 2048, "jpeg", 85, sharpen="screen", rename="{album}-{seq:03}-web"
    ),
)


def check_template(template: str) -> None:
    """Refuse, with a plain sentence, a template with unknown fields, path separators or
    reserved characters, or without {seq} or {stem} (what tells an album's photos apart)."""
    if not isinstance(template, str) or not template.strip():
        raise Invalid("The rename template is empty; for example: {album}-{seq:03}.")
    if "/" in template or "\\" in template:
        raise Invalid("The rename template cannot contain / or \\: finals have plain names.")
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        raise Invalid(
            "The rename template has an unmatched { or }; fields look like {seq:03}."
        ) from None
    named = []
    for _text, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in TEMPLATE_FIELDS:
            known = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
            raise Invalid(f"The rename template has an unknown field {{{field}}}; use {known}.")
        if conversion or (spec and field != "seq") or (spec and not re.fullmatch(r"0?\d", spec)):
            raise Invalid(
                f"The rename template's {{{field}}} takes no format"
                + ("; {seq} takes a width such as {seq:03}." if field == "seq" else ".")
            )
        named.append(field)
    if "seq" not in named and "stem" not in named:
        raise Invalid(
            "The rename template must contain {seq} or {stem}, so that every photo gets its own name."
        )
    sample = render(template, album="A", seq=1, stem="s", date=date(2026, 1, 1), preset="P")
    if _UNSAFE.search(sample) or sample.strip(" .") == "":
        raise Invalid('The rename template cannot contain \\ / : * ? " < > |.')


def render(
    template: str,
    *,
    album: str,
    seq: int,
    stem: str,
    date: date | None = None,
    preset: str = "",
    client: str | None = None,
) -> str:
    values = {
        "album": _safe(album),
        "seq": seq,
        "stem": _safe(stem),
        "date": date.isoformat() if date else "undated",
        "preset": _safe(preset),
        "client": _safe(client or ""),
    }
    return template.format(**values).strip()


def _safe(text: str) -> str:
    """A name's value as a part of a file name: separators and reserved characters become '-'."""
    return _UNSAFE.sub("-", text).strip()


def presets_from(
    data: list[dict[str, Any]] | tuple[dict[str, Any], ...] | None,
) -> list[ExportPreset]:
    """A studio's presets from its settings (None: the defaults); every one checked."""
    if data is None:
        return list(DEFAULT_PRESETS)
    if not isinstance(data, (list, tuple)):
        raise Invalid("The export presets are a list.")
    out = [ExportPreset.from_dict(dict(d)) for d in data]
    names = [p.name.lower() for p in out]
    dupes = sorted({p.name for p in out if names.count(p.name.lower()) > 1})
    if dupes:
        raise Invalid(f"Two export presets are named {dupes[0]!r}; each needs its own name.")
    folders = [p.folder for p in out]
    if len(set(folders)) != len(folders):
        raise Invalid("Two export presets have names that differ only in punctuation.")
    return out
