"""Stars, rejects and colour labels in XMP sidecars beside the originals, so Lightroom,
darktable and exiftool see what the photographer decided in PhotoFlow, and the reverse.

We own ``xmp:Rating`` (0-5, -1 = rejected) and ``xmp:Label``; everything else in an existing
sidecar (develop settings, darktable history, keywords, other namespaces) is kept as it was.
"""

from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from core.imaging.atomic import write_bytes_atomically
from core.imaging.errors import BrokenSidecar

X_NS = "adobe:ns:meta/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XMP_NS = "http://ns.adobe.com/xap/1.0/"
DARKTABLE_NS = "http://darktable.sf.net/"

#: Lightroom's colour label names, in the order of keys 6-9 and darktable's label numbers.
COLOUR_LABELS = ("Red", "Yellow", "Green", "Blue", "Purple")

_RATING = f"{{{XMP_NS}}}Rating"
_LABEL = f"{{{XMP_NS}}}Label"
_DESCRIPTION = f"{{{RDF_NS}}}Description"
_RDF = f"{{{RDF_NS}}}RDF"
_OUR_PREFIXES = {"x": X_NS, "rdf": RDF_NS, "xmp": XMP_NS}
_XPACKET_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
_XPACKET_END = '\n<?xpacket end="w"?>'
_NEW_SIDECAR = (
    f'<x:xmpmeta xmlns:x="{X_NS}" x:xmptk="PhotoFlow">'
    f'<rdf:RDF xmlns:rdf="{RDF_NS}">'
    f'<rdf:Description rdf:about="" xmlns:xmp="{XMP_NS}"/>'
    "</rdf:RDF></x:xmpmeta>"
)


@dataclass(frozen=True, slots=True)
class SidecarMarks:
    """The culling marks a sidecar carries: ``stars`` 0-5 (None: not rated), ``rejected``,
    and a colour ``label`` (one of COLOUR_LABELS, or a studio's own label text)."""

    stars: int | None = None
    rejected: bool = False
    label: str | None = None


def sidecar_path(original: str | os.PathLike[str]) -> Path:
    """Where we write the sidecar: ``IMG_1.xmp`` for ``IMG_1.CR2`` (Lightroom's convention)."""
    return Path(original).with_suffix(".xmp")


def sidecar_candidates(original: str | os.PathLike[str]) -> list[Path]:
    """Sidecars other tools may have left, ours first; darktable writes ``IMG_1.CR2.xmp``."""
    original = Path(original)
    ours = sidecar_path(original)
    return [ours, ours.with_suffix(".XMP"), Path(f"{original}.xmp"), Path(f"{original}.XMP")]


def read_sidecar(original: str | os.PathLike[str]) -> SidecarMarks:
    """The marks from the first readable sidecar of ``original``; no marks if there is none."""
    for candidate in sidecar_candidates(original):
        try:
            data = candidate.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue
        try:
            root, _ = _parse(data, candidate)
        except BrokenSidecar:
            continue  # a damaged sidecar must not stop an import; the next one may do
        return _marks(root)
    return SidecarMarks()


def write_sidecar(
    original: str | os.PathLike[str],
    stars: int | None,
    rejected: bool,
    label: str | None,
) -> Path:
    """Record the marks in ``IMG_1.xmp`` beside the original, atomically.

    An existing sidecar is updated in place, keeping everything we do not own. Raises
    BrokenSidecar rather than overwrite one that is not valid XML.
    """
    if stars is not None and not 0 <= stars <= 5:
        raise ValueError(f"stars must be 0-5, not {stars}")
    path = next((p for p in sidecar_candidates(original)[:2] if p.is_file()), None)
    path = path or sidecar_path(original)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    if data.strip():
        root, namespaces = _parse(data, path)
        wrapped = b"<?xpacket" in data[:200]
    else:
        root, namespaces = _parse(_NEW_SIDECAR.encode(), path)
        wrapped = False
    rating = -1 if rejected else stars
    _set(root, _RATING, None if rating is None else str(rating))
    _set(root, _LABEL, _canonical_label(label))
    write_bytes_atomically(path, _serialise(root, namespaces, wrapped))
    return path


def _parse(data: bytes, path: Path) -> tuple[ET.Element, dict[str, str]]:
    """The element tree and the prefixes the file used, so they can be written back."""
    namespaces: dict[str, str] = {}
    try:
        events = ET.iterparse(io.BytesIO(data), events=("start-ns",))
        for _, (prefix, uri) in events:  # type: ignore[misc]
            namespaces.setdefault(prefix, uri)
        root = events.root  # type: ignore[attr-defined]
    except ET.ParseError as e:
        raise BrokenSidecar(str(path), str(e)) from e
    if root is None:
        raise BrokenSidecar(str(path), "no XML inside")
    return root, namespaces


def _marks(root: ET.Element) -> SidecarMarks:
    rating = _first_value(root, _RATING)
    stars: int | None = None
    rejected = False
    if rating is not None:
        try:
            value = round(float(rating))
        except ValueError:
            value = None
        if value is not None and value < 0:
            rejected = True
        elif value is not None and value <= 5:
            stars = value
    label = _canonical_label(_first_value(root, _LABEL)) or _darktable_label(root)
    return SidecarMarks(stars=stars, rejected=rejected, label=label)


def _first_value(root: ET.Element, name: str) -> str | None:
    """A simple property, written as an attribute of rdf:Description or as a child element."""
    for description in root.iter(_DESCRIPTION):
        if name in description.attrib:
            return description.attrib[name].strip()
        child = description.find(name)
        if child is not None and child.text is not None:
            return child.text.strip()
    return None


def _darktable_label(root: ET.Element) -> str | None:
    """darktable keeps labels as numbers in ``darktable:colorlabels`` (0 = red ... 4 = purple)."""
    for description in root.iter(_DESCRIPTION):
        labels = description.find(f"{{{DARKTABLE_NS}}}colorlabels")
        if labels is None:
            continue
        for item in labels.iter(f"{{{RDF_NS}}}li"):
            if item.text and item.text.strip().isdigit():
                number = int(item.text.strip())
                if number < len(COLOUR_LABELS):
                    return COLOUR_LABELS[number]
    return None


def _canonical_label(label: str | None) -> str | None:
    if label is None or not label.strip():
        return None
    for known in COLOUR_LABELS:
        if label.strip().lower() == known.lower():
            return known
    return label.strip()


def _set(root: ET.Element, name: str, value: str | None) -> None:
    """Set (or, with None, remove) a property, in the form the file already uses for it."""
    descriptions = list(root.iter(_DESCRIPTION))
    done = False
    for description in descriptions:
        if name in description.attrib:
            if value is None or done:
                del description.attrib[name]
            else:
                description.set(name, value)
                done = True
        for child in description.findall(name):
            if value is None or done:
                description.remove(child)
            else:
                child.text = value
                done = True
    if value is None or done:
        return
    home = next((d for d in descriptions if _uses_namespace(d, XMP_NS)), None)
    home = home if home is not None else (descriptions[0] if descriptions else _new_home(root))
    home.set(name, value)


def _uses_namespace(element: ET.Element, uri: str) -> bool:
    prefix = f"{{{uri}}}"
    return any(k.startswith(prefix) for k in element.attrib) or any(
        child.tag.startswith(prefix) for child in element
    )


def _new_home(root: ET.Element) -> ET.Element:
    rdf = root if root.tag == _RDF else root.find(_RDF)
    if rdf is None:
        rdf = ET.SubElement(root, _RDF)
    description = ET.SubElement(rdf, _DESCRIPTION)
    description.set(f"{{{RDF_NS}}}about", "")
    return description


def _serialise(root: ET.Element, namespaces: dict[str, str], wrapped: bool) -> bytes:
    # ElementTree picks prefixes from a process-wide table: tell it the file's own prefixes so
    # that darktable:, crs:, lr:, dc: ... come back under the names other tools expect.
    for prefix, uri in {**_OUR_PREFIXES, **namespaces}.items():
        if prefix and not re.fullmatch(r"ns\d+", prefix):
            try:
                ET.register_namespace(prefix, uri)
            except ValueError:
                continue
    text = ET.tostring(root, encoding="unicode")
    if wrapped:
        text = _XPACKET_BEGIN + text + _XPACKET_END
    else:
        text = '<?xml version="1.0" encoding="UTF-8"?>\n' + text
    return (text + "\n").encode("utf-8")
