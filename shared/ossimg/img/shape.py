"""Actions that change an image's geometry: resize, crop, indexcrop, circle, rounded-corners,
rotate, auto-orient (oss-img-spec §3.1-3.7). OSS documents no flip action, so there is none."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .base import Degrees, Flag, Gravity, HexColor, Op, Percent, Side

Coordinate = Annotated[int, Field(ge=0, le=30000)]


class Resize(Op):
    """``resize``: scale by width/height/long/short side or percentage, in one of five modes.

    ``P`` (percent of the main image) is only valid in a watermark image's own process.
    """

    action = "resize"
    doc = "resize-images-4"
    ec = {
        "m": "0040-00000311",
        "w": "0040-00000312",
        "h": "0040-00000313",
        "l": "0040-00000314",
        "s": "0040-00000315",
        "p": "0040-00000317",
        "": "0040-00000322",
    }

    m: Literal["lfit", "mfit", "fill", "pad", "fixed"] | None = None
    w: Side | None = None
    h: Side | None = None
    l: Side | None = None  # noqa: E741 - OSS's parameter name
    s: Side | None = None
    limit: Flag | None = None
    color: HexColor | None = None
    p: Annotated[int, Field(ge=1, le=1000)] | None = None
    P: Percent | None = None

    @model_validator(mode="after")
    def _has_size(self) -> Resize:
        if all(v is None for v in (self.w, self.h, self.l, self.s, self.p, self.P)):
            raise ValueError("needs at least one of w, h, l, s or p.")
        return self


class Crop(Op):
    """``crop``: a w x h region at x, y from the gravity's origin; clipped at the edges (§3.2)."""

    action = "crop"
    doc = "custom-crop"
    ec = {"w": "0040-00000225", "h": "0040-00000226"}

    w: Coordinate | None = None
    h: Coordinate | None = None
    x: Coordinate | None = None
    y: Coordinate | None = None
    g: Gravity | None = None


class IndexCrop(Op):
    """``indexcrop``: cut into slices of ``x`` (columns) or ``y`` (rows) pixels, keep slice ``i`` (§3.5)."""

    action = "indexcrop"
    doc = "indexed-slice"
    ec = {"y": "0040-00000224", "i": "0040-00000229", "x": "0040-00000230", "": "0040-00000230"}

    x: Annotated[int, Field(ge=1, le=30000)] | None = None
    y: Annotated[int, Field(ge=1, le=30000)] | None = None
    i: Annotated[int, Field(ge=0, le=30000)] | None = None

    @model_validator(mode="after")
    def _has_slice(self) -> IndexCrop:
        if self.x is None and self.y is None:
            raise ValueError("needs x (slice width) or y (slice height).")
        return self


class Circle(Op):
    """``circle``: the inscribed circle of radius ``r``, outside transparent or white (§3.3)."""

    action = "circle"
    doc = "circle-crop"
    ec = {"r": "0040-00000233", "": "0040-00000233"}

    r: Annotated[int, Field(ge=1, le=4096)]


class RoundedCorners(Op):
    """``rounded-corners``: corners of radius ``r``, outside transparent or white (§3.4)."""

    action = "rounded-corners"
    doc = "rounded-rectangle-4"
    ec = {"r": "0040-00000237", "": "0040-00000237"}

    r: Annotated[int, Field(ge=1, le=4096)]


class Rotate(Op):
    """``rotate,<degrees>``: clockwise; 90 and 270 swap width and height (§3.6)."""

    action = "rotate"
    bare = "value"
    doc = "rotate"
    ec = {"value": "0040-00000217", "": "0040-00000216"}

    value: Degrees


class AutoOrient(Op):
    """``auto-orient,0|1``: apply the EXIF orientation (1, OSS's default) or keep the stored one (§3.7)."""

    action = "auto-orient"
    bare = "value"
    doc = "auto-orient"

    value: Flag
