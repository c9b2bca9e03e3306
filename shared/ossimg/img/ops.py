"""Every OSS IMG action as a frozen, validated model, and the registry the chain parser uses.

Each model renders its canonical ``x-oss-process`` text (parameters in declaration order, unset
ones omitted) and is built back from that text by :mod:`ossimg.img.chain`, so
``parse(render(ops)) == ops``. The emulator parses requests with the same registry, so the rules a
user writes, the chains ossimg sends and what the local OSS accepts never drift apart.

Ranges and error codes (``ec``) come from OSS's IMG documentation (oss-img-spec §3, §4.3).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from ..errors import OpError
from .adjust import Blur, Bright, Contrast, Sharpen
from .base import Op
from .output import Format, ImageFormat, Interlace, Quality
from .query import AverageHue, Info
from .shape import AutoOrient, Circle, Crop, IndexCrop, Resize, Rotate, RoundedCorners
from .watermark import Watermark

__all__ = [
    "REGISTRY",
    "AutoOrient",
    "AverageHue",
    "Blur",
    "Bright",
    "Circle",
    "Contrast",
    "Crop",
    "Format",
    "ImageFormat",
    "IndexCrop",
    "Info",
    "Interlace",
    "Op",
    "Quality",
    "Resize",
    "Rotate",
    "RoundedCorners",
    "Sharpen",
    "Style",
    "Watermark",
    "op_class",
]

STYLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class Style(Op):
    """``style/<name>``: a chain stored on the bucket under ``name`` (oss-img-spec §3.15)."""

    action = "style"
    bare = "name"
    doc = "image-style"

    name: Annotated[str, Field(pattern=STYLE_NAME.pattern, json_schema_extra={"allowed": "1-64 of A-Z a-z 0-9 _ . -"})]

    def render(self) -> str:
        """``style/<name>``: styles are not image actions and are written with a slash."""
        return f"style/{self.name}"


ACTIONS: tuple[type[Op], ...] = (
    Resize,
    Crop,
    IndexCrop,
    Circle,
    RoundedCorners,
    Rotate,
    AutoOrient,
    Blur,
    Bright,
    Contrast,
    Sharpen,
    Format,
    Quality,
    Interlace,
    Watermark,
    Info,
    AverageHue,
)
REGISTRY: dict[str, type[Op]] = {cls.action: cls for cls in ACTIONS}


def op_class(action: str) -> type[Op]:
    """The model for ``action``. Raises OpError for an action OSS does not have."""
    try:
        return REGISTRY[action]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise OpError(
            f"unknown IMG action {action!r} (known: {known}).",
            op=action,
            value=action,
            allowed=known,
            ec="0040-00000213",
        ) from None
