"""Actions that choose how the result is encoded: format, quality, interlace (oss-img-spec §3.8-3.10)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .base import Flag, Op, Percent

ImageFormat = Literal["jpg", "png", "webp", "bmp", "gif", "tiff", "heic", "avif"]


class Format(Op):
    """``format``: the output format; ``gif`` only keeps GIF sources GIF."""

    action = "format"
    bare = "value"
    doc = "convert-image-formats-2"
    ec = {"value": "0040-00000206", "": "0040-00000207"}

    value: ImageFormat


class Quality(Op):
    """``quality``: ``q`` relative to the source's JPEG quality, ``Q`` absolute; JPG and WebP only."""

    action = "quality"
    doc = "adjust-image-quality"
    ec = {"q": "0040-00000309", "Q": "0040-00000308", "": "0040-00000307"}

    q: Percent | None = None
    Q: Percent | None = None

    @model_validator(mode="after")
    def _has_value(self) -> Quality:
        if self.q is None and self.Q is None:
            raise ValueError("needs q (relative) or Q (absolute), 1 to 100.")
        return self


class Interlace(Op):
    """``interlace,0|1``: 1 writes a progressive JPEG."""

    action = "interlace"
    bare = "value"
    doc = "gradual-display"
    ec = {"value": "0040-00000282", "": "0040-00000281"}

    value: Flag
