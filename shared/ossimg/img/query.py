"""Actions that answer with JSON instead of pixels: info and average-hue (oss-img-spec §3.12-3.13)."""

from __future__ import annotations

from .base import Op


class Info(Op):
    """``info``: size, format, frame count and EXIF as JSON; cannot be combined with other actions."""

    action = "info"
    doc = "query-image-information"


class AverageHue(Op):
    """``average-hue``: the image's average colour as ``{"RGB": "0xRRGGBB"}``."""

    action = "average-hue"
    doc = "query-the-average-tone"
