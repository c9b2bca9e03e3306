"""Image formats as OSS names them: their MIME types, which ones IMG reads, which format a chain leaves.

Pure and free of the action models, so the function's plan (cold start) and the emulator's engine
share one rule: a ``format`` action sets the output format, except that ``gif`` only keeps GIF
sources GIF; on any other source it changes nothing (oss-img-spec §3.9).
"""

from __future__ import annotations

MIME = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "gif": "image/gif",
    "tiff": "image/tiff",
    "heic": "image/heic",
    "avif": "image/avif",
}
SYNONYMS = {"jpeg": "jpg", "tif": "tiff"}
# What OSS IMG reads as a source (oss-img-spec §2): file suffixes and MIME subtypes.
READ_FORMATS = "JPG, PNG, GIF, WebP, BMP, TIFF, HEIC or AVIF"
READABLE_SUFFIXES = frozenset({*MIME, *SYNONYMS, "heif"})
READABLE_SUBTYPES = frozenset(
    {"jpeg", "jpg", "pjpeg", "png", "gif", "webp", "bmp", "x-ms-bmp", "tiff", "heic", "heif", "avif"}
)
# Image-like formats OSS IMG does not read, by suffix: a rule that names them promises variants it
# can never make, so rules refuse them (camera RAW is the usual surprise).
CAMERA_RAW = ("cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "dng", "raf", "orf", "rw2", "pef", "srw", "raw")
OTHER_UNREADABLE = {"psd": "Photoshop", "svg": "SVG", "pdf": "PDF", "eps": "PostScript", "ico": "ICO", "jxl": "JPEG XL"}
UNREADABLE_SUFFIXES = {**dict.fromkeys(CAMERA_RAW, "camera RAW"), **OTHER_UNREADABLE, "jp2": "JPEG 2000"}
# Content types that say nothing about the bytes: what OSS stores when an upload sends none, and the
# generic types clients send. They read as "unknown", never as "not an image".
GENERIC_CONTENT_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def normalise(name: str) -> str:
    """OSS's name for a format or file extension: ``JPEG`` -> ``jpg``, ``tif`` -> ``tiff``."""
    lower = name.lower()
    return SYNONYMS.get(lower, lower)


def is_readable_type(content_type: str) -> bool:
    """Is ``image/<subtype>`` (or ``image/*``) a type OSS IMG reads?"""
    kind, _, subtype = content_type.lower().partition(";")[0].strip().partition("/")
    return kind == "image" and (subtype == "*" or subtype in READABLE_SUBTYPES)


def applies(chosen: str, source: str) -> bool:
    """Does ``format,<chosen>`` change the format of an image whose source is ``source``?"""
    return chosen != "gif" or normalise(source) == "gif"


def result_format(last: str | None, source: str, before_gif: str | None = None) -> str:
    """The format a chain leaves: its ``last`` format action, ``before_gif`` (the last other one)
    when that was a ``gif`` that does not apply, else the source's own format."""
    if last is not None and applies(last, source):
        return last
    return before_gif or normalise(source)
