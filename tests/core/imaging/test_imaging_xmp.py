"""Stars, rejects and colour labels round-trip through XMP sidecars that other tools read."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from core.imaging.errors import BrokenSidecar
from core.imaging.xmp import SidecarMarks, read_sidecar, sidecar_path, write_sidecar


@pytest.fixture
def exiftool() -> str:
    """The reference reader of what we write; the test command installs it (Debian package)."""
    found = shutil.which("exiftool")
    if found is None:
        pytest.fail("exiftool is not installed; run ./.ci/setup (libimage-exiftool-perl)")
    return found


needs_exiftool = pytest.mark.usefixtures("exiftool")

# What Lightroom Classic leaves beside a RAW it developed, trimmed but realistic: attribute
# form, crs: develop settings, dc:subject keywords, an rdf:Seq of history.
LIGHTROOM_SIDECAR = """<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000 1.000000">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
   xmp:Rating="3"
   xmp:Label="Yellow"
   xmp:CreatorTool="Adobe Photoshop Lightroom Classic 13.0"
   tiff:Make="Canon"
   crs:Version="16.0"
   crs:Exposure2012="+0.35"
   crs:WhiteBalance="As Shot"
   xmpMM:DocumentID="xmp.did:5b8e3c1a-8f7e-4d5b-9d7a-2f1c6a1e0b11">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>wedding</rdf:li>
     <rdf:li>first dance</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <xmpMM:History>
    <rdf:Seq>
     <rdf:li xmpMM:action="saved" xmpMM:when="2024-05-02T10:11:12+02:00"/>
    </rdf:Seq>
   </xmpMM:History>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""

# darktable 4.x: element form for the rating, its own namespace with an edit history and
# numeric colour labels.
DARKTABLE_SIDECAR = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:darktable="http://darktable.sf.net/"
   exif:DateTimeOriginal="2024:05:02 10:11:12"
   xmpMM:DerivedFrom="IMG_0042.CR2"
   darktable:import_timestamp="63850000000000000"
   darktable:xmp_version="5"
   darktable:history_end="2">
   <xmp:Rating>2</xmp:Rating>
   <darktable:colorlabels>
    <rdf:Seq>
     <rdf:li>3</rdf:li>
    </rdf:Seq>
   </darktable:colorlabels>
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:num="0" darktable:operation="exposure" darktable:enabled="1"
      darktable:params="0000000000000000"/>
     <rdf:li darktable:num="1" darktable:operation="filmicrgb" darktable:enabled="1"
      darktable:params="gz12eJxjYGBgYAFiCQYYcHJyYmRkZGBgYAAAAAkAAQ=="/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


def _exiftool(path: Path, *tags: str) -> dict[str, object]:
    out = subprocess.run(
        ["exiftool", "-j", "-struct", *tags, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)[0]


def test_marks_written_are_read_back(tmp_path: Path) -> None:
    original = tmp_path / "IMG_0001.CR2"
    original.write_bytes(b"raw")
    path = write_sidecar(original, 4, False, "Green")
    assert path == tmp_path / "IMG_0001.xmp"
    assert read_sidecar(original) == SidecarMarks(stars=4, rejected=False, label="Green")
    write_sidecar(original, None, True, None)
    assert read_sidecar(original) == SidecarMarks(stars=None, rejected=True, label=None)
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*"))


def test_no_sidecar_means_no_marks(tmp_path: Path) -> None:
    assert read_sidecar(tmp_path / "IMG_0002.NEF") == SidecarMarks()


@needs_exiftool
@pytest.mark.parametrize(
    ("stars", "rejected", "label", "rating"),
    [(5, False, "Red", 5), (0, False, "Purple", 0), (3, True, None, -1)],
)
def test_exiftool_reads_what_we_write(
    tmp_path: Path, stars: int, rejected: bool, label: str | None, rating: int
) -> None:
    path = write_sidecar(tmp_path / "IMG_0003.JPG", stars, rejected, label)
    found = _exiftool(path, "-XMP:Rating", "-XMP:Label")
    assert found["Rating"] == rating
    assert found.get("Label") == label


def test_a_lightroom_sidecar_is_read_and_its_develop_settings_survive_our_write(
    tmp_path: Path,
) -> None:
    original = tmp_path / "IMG_0042.CR2"
    sidecar = sidecar_path(original)
    sidecar.write_text(LIGHTROOM_SIDECAR, encoding="utf-8")
    assert read_sidecar(original) == SidecarMarks(stars=3, rejected=False, label="Yellow")

    write_sidecar(original, 5, False, "Purple")

    assert read_sidecar(original) == SidecarMarks(stars=5, rejected=False, label="Purple")
    text = sidecar.read_text(encoding="utf-8")
    for kept in ('crs:Exposure2012="+0.35"', "first dance", 'xmpMM:action="saved"', "tiff:Make"):
        assert kept in text
    if shutil.which("exiftool"):
        found = _exiftool(
            sidecar, "-XMP:Rating", "-XMP:Label", "-XMP-crs:Exposure2012", "-XMP-dc:Subject"
        )
        assert found["Rating"] == 5
        assert found["Label"] == "Purple"
        assert found["Exposure2012"] == "+0.35"
        assert found["Subject"] == ["wedding", "first dance"]


def test_a_darktable_sidecar_is_read_and_its_history_survives_our_write(tmp_path: Path) -> None:
    original = tmp_path / "IMG_0042.CR2"
    darktable = tmp_path / "IMG_0042.CR2.xmp"
    darktable.write_text(DARKTABLE_SIDECAR, encoding="utf-8")
    # darktable's own file: element-form rating, label 3 = blue.
    assert read_sidecar(original) == SidecarMarks(stars=2, rejected=False, label="Blue")

    # Updating a darktable-style file in place (as if it were named the Lightroom way).
    ours = sidecar_path(original)
    ours.write_text(DARKTABLE_SIDECAR, encoding="utf-8")
    write_sidecar(original, 1, False, "Red")
    assert read_sidecar(original) == SidecarMarks(stars=1, rejected=False, label="Red")
    text = ours.read_text(encoding="utf-8")
    assert "<xmp:Rating>1</xmp:Rating>" in text  # kept in the element form darktable used
    assert 'darktable:operation="filmicrgb"' in text
    assert "darktable:colorlabels" in text
    assert darktable.read_text(encoding="utf-8") == DARKTABLE_SIDECAR  # never touched
    if shutil.which("exiftool"):
        found = _exiftool(
            ours, "-XMP:Rating", "-XMP:Label", "-XMP-darktable:History", "-XMP-xmpMM:DerivedFrom"
        )
        assert found["Rating"] == 1
        assert found["Label"] == "Red"
        assert found["DerivedFrom"] == "IMG_0042.CR2"
        history = found["History"]
        assert isinstance(history, list) and len(history) == 2


def test_a_damaged_sidecar_is_not_overwritten(tmp_path: Path) -> None:
    original = tmp_path / "IMG_0050.ARW"
    sidecar = sidecar_path(original)
    sidecar.write_text("<x:xmpmeta><rdf:RDF>", encoding="utf-8")
    assert read_sidecar(original) == SidecarMarks()
    with pytest.raises(BrokenSidecar):
        write_sidecar(original, 3, False, None)
    assert sidecar.read_text(encoding="utf-8") == "<x:xmpmeta><rdf:RDF>"


def test_stars_out_of_range_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_sidecar(tmp_path / "IMG.JPG", 6, False, None)
