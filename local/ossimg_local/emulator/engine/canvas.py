"""The state a chain of steps works on, from decode to encode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from .codecs import DEFAULT_QUALITY, Source

Fetch = Callable[[str], bytes]
RunStep = Callable[["Canvas", Any], None]


@dataclass
class Canvas:
    """The image being processed plus the output settings the chain has chosen so far.

    An animated GIF keeps its ``frames`` (with ``durations``) through the steps that OSS applies to
    every frame (resize); any other step makes it static first, as OSS does (oss-img-spec §2).
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
    durations: list[int] = field(default_factory=list)
    fetch: Fetch | None = None  # reads watermark images from the source's bucket
    run_step: RunStep | None = None  # applies one action; lets a watermark process its own image

    def __post_init__(self) -> None:
        if self.size == (0, 0):
            self.size = self.image.size

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
        self.durations = []
        self.image = image
        self.size = image.size

    def map_frames(self, change: Callable[[Image.Image], Image.Image]) -> None:
        """Apply ``change`` to every frame of an animation, or to the image."""
        if self.frames:
            self.frames = [change(f) for f in self.frames]
            self.image = self.frames[0]
        else:
            self.image = change(self.image)
        self.size = self.image.size

    def with_alpha(self) -> Image.Image:
        """The (static) image as RGBA, for steps that make pixels transparent."""
        return self.image if self.image.mode == "RGBA" else self.image.convert("RGBA")
