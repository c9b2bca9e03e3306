"""The state a chain of steps works on, from decode to encode."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from .codecs import DEFAULT_QUALITY, Source


@dataclass
class Canvas:
    """The image being processed plus the output settings the chain has chosen so far."""

    image: Image.Image
    source: Source
    format: str
    # The size the chain reasons about. It differs from image.size only after a shrink-on-load
    # decode, until the resize that asked for it has run: OSS computes from the full image.
    size: tuple[int, int] = (0, 0)
    relative_quality: int | None = None
    absolute_quality: int | None = None
    progressive: bool = False

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
