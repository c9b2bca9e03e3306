"""Actions that change pixels in place: blur, bright, contrast, sharpen (oss-img-spec §3.11)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Op

Level = Annotated[int, Field(ge=-100, le=100)]
Radius = Annotated[int, Field(ge=1, le=50)]


class Blur(Op):
    """``blur``: Gaussian blur of radius ``r`` and standard deviation ``s``, both required."""

    action = "blur"
    doc = "blur"
    ec = {"r": "0040-00000241", "s": "0040-00000242"}

    r: Radius
    s: Radius


class Bright(Op):
    """``bright,<-100..100>``: 0 leaves the image as it is."""

    action = "bright"
    bare = "value"
    doc = "brightness"
    ec = {"value": "0040-00000246", "": "0040-00000245"}

    value: Level


class Contrast(Op):
    """``contrast,<-100..100>``: 0 leaves the image as it is."""

    action = "contrast"
    bare = "value"
    doc = "contrast"

    value: Level


class Sharpen(Op):
    """``sharpen,<50..399>``: 100 is OSS's recommended strength."""

    action = "sharpen"
    bare = "value"
    doc = "sharpen"
    ec = {"value": "0040-00000280", "": "0040-00000279"}

    value: Annotated[int, Field(ge=50, le=399)]
