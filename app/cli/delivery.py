"""`photoflow preset ...`, `photoflow album presets|deliver`: export presets and finals."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from core.finals.presets import ExportPreset
    from core.policies import Actor
    from core.services import Services
    from core.services.delivery import DeliveryView

Result = tuple[Any, str]


def _preset_text(p: ExportPreset) -> str:
    size = f"long edge {p.long_edge} px" if p.long_edge else "full size"
    fmt = f"JPEG q{p.quality}" if p.format == "jpeg" else "TIFF"
    extras = [
        "sRGB" if p.srgb else "source colour",
        f"sharpened for {p.sharpen}" if p.sharpen != "none" else "not sharpened",
        "watermarked" if p.watermark else "",
        "keeps GPS" if p.keep_gps else "",
        "keeps serial numbers" if p.keep_serials else "",
    ]
    return f"{p.name}: {size}, {fmt}, {', '.join(e for e in extras if e)}; names {p.rename}"


async def preset_list(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    presets = await s.delivery.presets(me)
    text = "\n".join(_preset_text(p) for p in presets) or "No export presets."
    return [p.to_dict() for p in presets], text


async def preset_add(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    from core.finals.presets import ExportPreset

    long_edge = None if a.long_edge in (None, "full") else _pixels(a.long_edge)
    preset = ExportPreset(
        name=a.name,
        long_edge=long_edge,
        format=a.format,
        quality=a.quality,
        srgb=not a.no_srgb,
        sharpen=a.sharpen,
        rename=a.rename,
        watermark=a.watermark,
        keep_gps=a.keep_gps,
        keep_serials=a.keep_serials,
    )
    saved = await s.delivery.save_preset(me, preset)
    return saved.to_dict(), f"Saved: {_preset_text(saved)}"


def _pixels(text: str) -> int:
    try:
        return int(text.lower().removesuffix("px").strip())
    except ValueError:
        raise ValueError(f"--long-edge is a number of pixels or 'full', not {text!r}") from None


async def preset_remove(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    await s.delivery.delete_preset(me, a.name)
    return {"removed": a.name}, f"Export preset {a.name!r} removed."


async def album_presets(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    if a.names:
        chosen = await s.delivery.choose_presets(me, a.album, a.names)
    elif a.all:
        chosen = await s.delivery.choose_presets(me, a.album, None)
    else:
        chosen = await s.delivery.album_presets(me, a.album)
    names = [p.name for p in chosen]
    return {"album": a.album, "presets": names}, (
        f"{a.album}'s finals are made through: {', '.join(names) or 'no preset'}."
    )


class DeliveryProgress:
    """'delivering 12 of 40' on the terminal (one line, redrawn), or a line each where the
    output is not a terminal (a log, a test)."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            self.stream.write(f"\rdelivering {done} of {total}\033[K")
            if done >= total:
                self.stream.write("\n")
        else:
            self.stream.write(f"delivering {done} of {total}\n")
        self.stream.flush()


def delivery_json(v: DeliveryView) -> dict[str, Any]:
    return {
        "album_id": str(v.album_id),
        "state": v.state,
        "done": v.done,
        "total": v.total,
        "problem": v.problem,
        "presets": list(v.presets),
    }


def delivery_text(name: str, v: DeliveryView) -> str:
    if v.state == "done":
        return f"{name}: {v.done} finals made ({', '.join(v.presets)})."
    if v.state == "failed":
        return f"{name}: {v.done} of {v.total} finals made. {v.problem or ''}".strip()
    if v.state is None:
        return f"{name} has no finals yet."
    return f"{name}: delivering {v.done} of {v.total}."


async def deliver(s: Services, me: Actor, album: str, a: argparse.Namespace) -> DeliveryView:
    quiet = getattr(a, "json", False) or getattr(a, "no_progress", False)
    presets = getattr(a, "preset", None) or None
    return await s.delivery.deliver(
        me, album, presets, progress=None if quiet else DeliveryProgress()
    )


async def album_deliver(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    view = await deliver(s, me, a.album, a)
    return delivery_json(view), delivery_text(a.album, view)


def add_arguments(sub: Any, album: Any) -> None:
    """The grammar: `preset list|add|remove`, `album presets`, `album deliver`."""
    preset = sub.add_parser(
        "preset", help="export presets the finals are made through"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    p = preset.add_parser("list", help="the studio's export presets")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    p = preset.add_parser("add", help="add an export preset, or change the one of that name")
    p.add_argument("name")
    p.add_argument("--long-edge", metavar="PX", help="pixels on the long edge, or 'full' (default)")
    p.add_argument("--format", choices=["jpeg", "tiff"], default="jpeg")
    p.add_argument("--quality", type=int, default=92, help="JPEG quality, 1-100")
    p.add_argument("--no-srgb", action="store_true", help="keep the source's colour profile")
    p.add_argument("--sharpen", choices=["none", "screen", "print"], default="none")
    p.add_argument("--rename", default="{album}-{seq:03}", metavar="TEMPLATE",
                   help="{album} {seq:03} {stem} {date} {preset} {client}")  # fmt: skip
    p.add_argument("--watermark", action="store_true", help="the studio's watermark across it")
    p.add_argument("--keep-gps", action="store_true")
    p.add_argument("--keep-serials", action="store_true", help="camera and lens serial numbers")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    p = preset.add_parser("remove", help="remove an export preset")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    p = album.add_parser("presets", help="the export presets the album's finals are made through")
    p.add_argument("album")
    p.add_argument("names", nargs="*", metavar="NAME", help="choose these (else show the choice)")
    p.add_argument("--all", action="store_true", help="every preset of the studio")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    p = album.add_parser("deliver", help="make the album's finals (carries on a stopped delivery)")
    p.add_argument("album")
    p.add_argument("--preset", action="append", metavar="NAME", help="through this preset only")
    p.add_argument("--no-progress", action="store_true", help="no progress line")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


HANDLERS = {
    ("preset", "list"): preset_list,
    ("preset", "add"): preset_add,
    ("preset", "remove"): preset_remove,
    ("album", "presets"): album_presets,
    ("album", "deliver"): album_deliver,
}
