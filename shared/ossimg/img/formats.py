"""Image formats as OSS names them: their MIME types, and which format a chain leaves.

Pure and free of the action models, so the function's plan (cold start) and the emulator's engine
share one rule: a ``format`` action sets the output format, except that ``gif`` only keeps GIF
sources GIF; on any other source it changes nothing (oss-img-spec §3.9).
"""

from __future__ import annotations

MIME = {
    "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "bmp": "image/bmp",
    "gif": "image/gif", "tiff": "image/tiff", "heic": "image/heic", "avif": "image/avif",
}  # fmt: skip
SYNONYMS = {"jpeg": "jpg", "tif": "tiff"}


def normalise(name: str) -> str:
    """OSS's name for a format or file extension: ``JPEG`` -> ``jpg``, ``tif`` -> ``tiff``."""
    lower = name.lower()
    return SYNONYMS.get(lower, lower)


def applies(chosen: str, source: str) -> bool:
    """Does ``format,<chosen>`` change the format of an image whose source is ``source``?"""
    return chosen != "gif" or normalise(source) == "gif"


def result_format(last: str | None, source: str, before_gif: str | None = None) -> str:
    """The format a chain leaves: its ``last`` format action, ``before_gif`` (the last other one)
    when that was a ``gif`` that does not apply, else the source's own format."""
    if last is not None and applies(last, source):
        return last
    return before_gif or normalise(source)
