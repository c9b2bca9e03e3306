"""The state a chain of steps works on, from decode to encode."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from PIL import Image

from .codecs import DEFAULT_QUALITY, Source

Fetch = Callable[[str], tuple[BinaryIO, int]]  # a watermark object: its open file and size
RunStep = Callable[["Canvas", Any], None]


@dataclass
class Canvas:
    """The image being processed plus the output settings the chain has chosen so far.

    An animated GIF keeps its frames through the steps that OSS applies to every frame (resize);
    any other step makes it static first, as OSS does (oss-img-spec §2). Until a step needs them,
    the frames after the first are ``pending``: decoded one at a time when resized or encoded, so
    the whole animation is never held at full size.
    """

    image: Image.Image
    source: Source
    format: str
    # The size the chain reasons about. It differs from image.size only after a shrink-on-load
    # decode, until the resize that asked for it has run: OSS computes from the full image.
    size: tuple[int, int] = (0, 0)
    relative_quality: int | None = None
    absolute_quality: int | None = None
    progressive: bool = False
    frames: list[Image.Image] = field(default_factory=list)
    pending: Iterator[Image.Image] | None = None
    fetch: Fetch | None = None  # reads watermark images from the source's bucket
    run_step: RunStep | None = None  # applies one action; lets a watermark process its own image
    # Watermark images opened while planning, by id() of their watermark action.
    marks: dict[int, Source] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.size == (0, 0):
            self.size = self.image.size

    @property
    def animated(self) -> bool:
        """Frames are kept (an animated GIF before any step made it static)."""
        return bool(self.frames) or self.pending is not None

    def quality(self) -> int:
        """Encoder quality per OSS: Q caps at the source's, q scales a JPEG source's (§3.8)."""
        base = self.source.quality
        if self.absolute_quality is not None:
            return min(self.absolute_quality, base) if base else self.absolute_quality
        if self.relative_quality is not None:
            if base and self.source.format == "jpg":
                return max(1, round(base * self.relative_quality / 100))
            return self.relative_quality
        return base or DEFAULT_QUALITY

    def replace(self, image: Image.Image) -> None:
        """Make ``image`` the (static) result of a step."""
        self.frames = []
        self.pending = None
        self.image = image
        self.size = image.size

    def map_frames(self, change: Callable[[Image.Image], Image.Image]) -> None:
        """Apply ``change`` to every frame of an animation (decoding pending ones one by one), or
        to the image."""
        if self.animated:
            rest = self.pending if self.pending is not None else iter(self.frames[1:])
            first = change(self.image)
            self.image, self.pending = first, None  # the old frames go as soon as they are changed
            self.frames = [first, *(change(frame) for frame in rest)]
        else:
            self.image = change(self.image)
        self.size = self.image.size

    def all_frames(self) -> list[Image.Image] | Iterator[Image.Image]:
        """The animation's frames for the encoder, pending ones decoded as it asks for them."""
        if self.pending is not None:
            return _chain(self.image, self.pending)
        return self.frames

    def with_alpha(self) -> Image.Image:
        """The (static) image as RGBA, for steps that make pixels transparent."""
        return self.image if self.image.mode == "RGBA" else self.image.convert("RGBA")


def _chain(first: Image.Image, rest: Iterator[Image.Image]) -> Iterator[Image.Image]:
    yield first
    yield from rest
