"""What OSS IMG reads, in one place: the function's pre-flight skips what OSS would refuse, and the
local emulator refuses it, both from these figures and codes (oss-img-spec §2).

A source is read up to 20 MB and 250 megapixels (all frames of an animation together), with a
limit on its longer side that depends on its format; each refusal has its own EC.
"""

from __future__ import annotations

from typing import NamedTuple

MAX_SOURCE_BYTES = 20 * 1024 * 1024
MAX_SOURCE_PIXELS = 250_000_000
PIXELS_EC = "0040-00000012"


class SideLimit(NamedTuple):
    """The longest side OSS IMG decodes for a format, and the EC it answers past it."""

    pixels: int
    ec: str


SIDE_LIMITS = {
    "jpg": SideLimit(30000, "0040-00000019"),
    "tiff": SideLimit(16384, "0040-00000018"),
    "avif": SideLimit(10000, "0040-00000014"),
    "bmp": SideLimit(30000, "0040-00000017"),
}
OTHER_SIDE_LIMIT = SideLimit(30000, "0040-00000009")


def side_limit(fmt: str) -> SideLimit:
    """The side limit for an image of format ``fmt`` (OSS's name: jpg, png, tiff, …)."""
    return SIDE_LIMITS.get(fmt, OTHER_SIDE_LIMIT)
