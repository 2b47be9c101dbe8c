"""Exposure values read as photographers say them."""

from __future__ import annotations

from core.exposure_words import aperture, exposure_line, focal, iso, shutter


def test_values_are_rounded_as_photographers_read_them() -> None:
    assert focal(57.919) == "58 mm"
    assert focal(4.5) == "4.5 mm"
    assert aperture(2.79) == "f/2.8"
    assert aperture(5.66) == "f/5.6"
    assert aperture(8.0) == "f/8"
    assert shutter(0.004) == "1/250 s"
    assert shutter(2.5) == "2.5 s"
    assert shutter("1/60 s") == "1/60 s"
    assert iso(400) == "ISO 400"


def test_the_exposure_line_leaves_out_what_the_camera_did_not_record() -> None:
    exif = {"shutter_speed": "1/250 s", "f_number": 2.79, "iso": 400, "focal_length": 57.919}
    assert exposure_line(exif) == "1/250 s · f/2.8 · ISO 400 · 58 mm"
    assert exposure_line({"f_number": 11.2}) == "f/11"
    assert exposure_line({}) == ""
