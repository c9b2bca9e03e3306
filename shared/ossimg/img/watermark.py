"""``watermark``: text, an image from the same bucket, or both, placed by gravity (oss-img-spec §3.14).

``text``, ``type`` (font) and ``image`` are plain text here and base64 in the chain. ``image`` is
an object key, optionally with its own process: ``logo.png?x-oss-process=image/resize,P_20``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from .base import Degrees, Flag, Gravity, HexColor, Margin, Op
from .saveas import b64url

Font = Literal[
    "wqy-zenhei",
    "wqy-microhei",
    "fangzhengshusong",
    "fangzhengkaiti",
    "fangzhengheiti",
    "fangzhengfangsong",
    "droidsansfallback",
]
MAX_TEXT_B64 = 64
PROCESS_MARK = "?x-oss-process="
# What a watermark image's own process may do (oss-img-spec §3.14).
NESTED_ACTIONS = frozenset({"resize", "crop", "indexcrop", "rounded-corners", "rotate"})


class ImageProcessError(ValueError):
    """A watermark image's process is invalid; ``ec`` is OSS's code for the mistake."""

    def __init__(self, message: str, ec: str | None) -> None:
        super().__init__(message)
        self.ec = ec


class Watermark(Op):
    """One text and/or image watermark; up to three per chain."""

    action = "watermark"
    doc = "add-watermarks"
    encoded = frozenset({"text", "type", "image"})
    ec = {
        "type": "0040-00000251",
        "text": "0040-00000257",
        "image": "0040-00000265",
        "fill": "0040-00000274",
        "": "0040-00000258",
    }

    image: str | None = None
    text: str | None = None
    type: Font | None = None
    color: HexColor | None = None
    size: Annotated[int, Field(ge=1, le=1000)] | None = None
    shadow: Annotated[int, Field(ge=0, le=100)] | None = None
    rotate: Degrees | None = None
    fill: Flag | None = None
    t: Annotated[int, Field(ge=0, le=100)] | None = None
    g: Gravity | None = None
    x: Margin | None = None
    y: Margin | None = None
    voffset: Annotated[int, Field(ge=-1000, le=1000)] | None = None
    padx: Margin | None = None
    pady: Margin | None = None
    order: Flag | None = None
    align: Annotated[int, Field(ge=0, le=2)] | None = None
    interval: Annotated[int, Field(ge=0, le=1000)] | None = None

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value or "\n" in value or "\r" in value:
            raise ValueError("must be one non-empty line.")
        if len(b64url(value)) > MAX_TEXT_B64:
            raise ValueError(f"is too long: its base64 form may have {MAX_TEXT_B64} characters at most.")
        return value

    @field_validator("image")
    @classmethod
    def _image(cls, value: str | None) -> str | None:
        if value is not None:
            watermark_image(value)
        return value

    @model_validator(mode="after")
    def _has_content(self) -> Watermark:
        if self.text is None and self.image is None:
            raise ValueError("needs text or image (or both).")
        return self

    @property
    def image_key(self) -> str | None:
        """The watermark image's object key, without its process."""
        return None if self.image is None else self.image.partition(PROCESS_MARK)[0]

    @property
    def image_process(self) -> list[Op]:
        """The watermark image's own operations (may include resize ``P``)."""
        return [] if self.image is None else watermark_image(self.image)[1]


def watermark_image(value: str) -> tuple[str, list[Op]]:
    """``(key, ops)`` of ``key[?x-oss-process=image/…]``. Raises ValueError with OSS's reason."""
    from ..errors import OpError
    from .chain import parse

    key, mark, process = value.partition(PROCESS_MARK)
    if not key or key.startswith("/"):
        raise ValueError(f"must name an object key in the same bucket, got {value!r}.")
    if not mark:
        return key, []
    try:
        ops = parse(process, nested=True)
    except OpError as exc:
        raise ImageProcessError(f"has an invalid process: {exc.message}", exc.ec) from None
    return key, ops
