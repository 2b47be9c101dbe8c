"""What kind of picture a file holds, judged by its first bytes rather than its name."""

from __future__ import annotations

import enum
import os
from pathlib import Path

from core.imaging.errors import NotAPhoto

#: Bytes needed by :func:`sniff_kind`; reading this much of a file is enough to tell.
SNIFF_BYTES = 64

#: RAW extensions that LibRaw (through rawpy) understands.
RAW_EXTENSIONS = frozenset(
    {
        "3fr", "ari", "arw", "bay", "braw", "cap", "cr2", "cr3", "crw", "cs1", "dcr", "dcs",
        "dng", "drf", "eip", "erf", "fff", "gpr", "iiq", "k25", "kdc", "mdc", "mef", "mos",
        "mrw", "nef", "nrw", "orf", "ori", "pef", "ptx", "pxn", "qtk", "r3d", "raf", "raw",
        "rw2", "rwl", "rwz", "sr2", "srf", "srw", "sti", "x3f",
    }
)  # fmt: skip

#: Extensions of non-RAW photo files we import.
IMAGE_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "jpe", "jfif", "mpo", "png", "tif", "tiff", "heic", "heif", "hif", "webp"}
)

PHOTO_EXTENSIONS = RAW_EXTENSIONS | IMAGE_EXTENSIONS


class PhotoKind(enum.StrEnum):
    """The decoder family a photo needs."""

    JPEG = "jpeg"
    MPO = "mpo"
    PNG = "png"
    TIFF = "tiff"
    HEIF = "heif"
    WEBP = "webp"
    RAW = "raw"


_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
_VIDEO_BRANDS = frozenset({b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5"})

# Signatures of RAW containers that are not plain TIFF.
_RAW_MAGIC = (
    b"IIU\x00",  # Panasonic RW2
    b"IIRO",  # Olympus ORF
    b"IIRS",  # Olympus ORF
    b"MMOR",  # Olympus ORF (big-endian)
    b"FUJIFILMCCD-RAW",  # Fujifilm RAF
    b"FOVb",  # Sigma X3F
    b"\x00MRM",  # Minolta MRW
)

# Things people drop into photo folders by mistake, so the refusal can name them.
_NOT_IMAGES = (
    (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"ID3", "an MP3 audio file"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"8BPS", "a Photoshop document (PSD)"),
)


def extension(name: str | os.PathLike[str]) -> str:
    """Lower-case extension without the dot (``"cr2"`` for ``IMG_1.CR2``)."""
    return Path(name).suffix.lower().lstrip(".")


def sniff_kind(head: bytes, name: str | os.PathLike[str] = "") -> PhotoKind:
    """Tell the kind of photo from the first bytes, using the name only to recognise RAW files.

    Raises NotAPhoto with a reason that names what the file really is when it can.
    """
    ext = extension(name) if name else ""
    if not head:
        raise NotAPhoto("empty file (0 bytes)")
    if head.startswith(b"\xff\xd8\xff"):
        return PhotoKind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PhotoKind.PNG
    if head.startswith(_RAW_MAGIC) or head.startswith(b"II\x1a\x00\x00\x00HEAPCCDR"):
        return PhotoKind.RAW
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"crx ":
            return PhotoKind.RAW  # Canon CR3
        if brand in _HEIF_BRANDS:
            return PhotoKind.HEIF
        if brand in (b"avif", b"avis"):
            raise NotAPhoto("unsupported file type (AVIF)")
        if brand in _VIDEO_BRANDS:
            raise NotAPhoto("not a photo: it is a video")
    if head.startswith((b"II*\x00", b"MM\x00*")):
        # DNG, NEF, CR2, ARW, PEF... are TIFF inside; only the name tells them apart.
        return PhotoKind.RAW if ext in RAW_EXTENSIONS else PhotoKind.TIFF
    if head.startswith((b"II+\x00", b"MM\x00+")):
        return PhotoKind.TIFF  # BigTIFF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return PhotoKind.WEBP
    for magic, what in _NOT_IMAGES:
        if head.startswith(magic):
            return _refuse_as(what)
    if head.startswith(b"RIFF"):
        return _refuse_as("a video or audio file (RIFF)")
    if head.startswith(b"GIF8"):
        raise NotAPhoto("unsupported file type (GIF animation or graphic, not a photo)")
    if head.startswith(b"BM"):
        raise NotAPhoto("unsupported file type (BMP)")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<?xpacket", b"<x:xmpmeta")):
        return _refuse_as("an XMP sidecar")
    if text.startswith((b"<!doctype html", b"<html")):
        return _refuse_as("a web page (HTML)")
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return _refuse_as("an XML document")
    if ext in RAW_EXTENSIONS:
        # Some RAW flavours have no fixed signature; let LibRaw decide.
        return PhotoKind.RAW
    raise NotAPhoto("unsupported file type")


def _refuse_as(what: str) -> PhotoKind:
    raise NotAPhoto(f"not an image: it is {what}")


def sniff_file(path: str | os.PathLike[str]) -> PhotoKind:
    """:func:`sniff_kind` on a file on disk, reading only its first bytes."""
    with open(path, "rb") as f:
        return sniff_kind(f.read(SNIFF_BYTES), path)


def is_raw_name(name: str | os.PathLike[str]) -> bool:
    return extension(name) in RAW_EXTENSIONS


def is_photo_candidate(path: str | os.PathLike[str]) -> bool:
    """Whether a folder scan should offer this file for import (judged by name only).

    Skips hidden files, macOS ``._`` resource forks, sidecars (``.xmp``, ``.thm``) and
    anything whose extension is not a photo's. Content is checked later, at analysis.
    """
    name = Path(path).name
    if not name or name.startswith("."):
        return False
    return extension(name) in PHOTO_EXTENSIONS
