"""Exposure values as photographers read them: 57 mm, f/2.8, 1/250 s, ISO 400.

Cameras write raw rationals (a focal length of 57.919 mm, f/2.79); nobody says them that way.
"""

from __future__ import annotations

from collections.abc import Mapping

# The third-stop f-numbers printed on lenses; a camera's 2.79 or 5.66 is one of these.
F_STOPS = (
    1.0, 1.1, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.5, 2.8, 3.2, 3.5, 4.0, 4.5, 5.0, 5.6, 6.3, 7.1,
    8.0, 9.0, 10.0, 11.0, 13.0, 14.0, 16.0, 18.0, 20.0, 22.0, 25.0, 29.0, 32.0, 36.0, 40.0,
    45.0, 51.0, 57.0, 64.0,
)  # fmt: skip


def focal(mm: float | None) -> str | None:
    if not mm or mm <= 0:
        return None
    return f"{round(mm)} mm" if mm >= 10 else f"{mm:.1f} mm".replace(".0 mm", " mm")


def aperture(f: float | None) -> str | None:
    if not f or f <= 0:
        return None
    nearest = min(F_STOPS, key=lambda stop: abs(stop - f))
    value = nearest if abs(nearest - f) <= 0.08 * f else round(f, 1)
    return f"f/{value:g}"


def shutter(seconds: float | str | None) -> str | None:
    if seconds is None or seconds == "":
        return None
    if isinstance(seconds, str):
        return seconds  # already written as "1/250 s"
    if seconds <= 0:
        return None
    if seconds < 0.5:
        return f"1/{round(1 / seconds)} s"
    return f"{round(seconds, 1):g} s"


def iso(value: int | float | None) -> str | None:
    return f"ISO {round(value)}" if value else None


def exposure_line(exif: Mapping[str, object], *, with_focal: bool = True) -> str:
    """'1/250 s · f/2.8 · ISO 400 · 58 mm', leaving out what the camera did not record."""
    parts = (
        shutter(exif.get("shutter_speed") or exif.get("exposure_time")),  # type: ignore[arg-type]
        aperture(exif.get("f_number")),  # type: ignore[arg-type]
        iso(exif.get("iso")),  # type: ignore[arg-type]
        focal(exif.get("focal_length")) if with_focal else None,  # type: ignore[arg-type]
    )
    return " · ".join(p for p in parts if p)
