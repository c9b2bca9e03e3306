"""What a request's pixels will cost in memory, computed from sizes and modes before any pixel moves.

Pillow keeps every image mode of more than one band (LA, RGB, RGBA, CMYK…) at four bytes a pixel
and 1, L and P at one, so the cost of a canvas is its pixels times that, times the frames an
animation holds. A step's ``peak`` counts everything alive at once while it runs: its input (the
canvas it replaces is still referenced), converted copies, Pillow's own temporaries, its output.
The figures are upper bounds; tests/emulator/test_bombs.py measures real requests against them.
"""

from __future__ import annotations

from dataclasses import dataclass

# Bytes a Pillow image needs per pixel, by mode. Everything else is stored four bytes wide.
_NARROW = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
WIDE = 4
# Python objects, codec state, text chunks (PngImagePlugin.MAX_TEXT_MEMORY is lowered to this),
# ICC profiles, fonts: what a request holds besides its pixels.
FIXED_OVERHEAD = 24 << 20
# A frame of an animation also costs its Image objects and the GIF writer's per-frame records.
FRAME_OVERHEAD = 16 << 10
# Pillow's GIF reader holds the previous frame, the new one as P, then as RGB and cropped to its
# extent, and the disposal area (17 bytes a pixel of the canvas) while it steps through an animation.
DECODER_FRAMES = 5


def bytes_per_pixel(mode: str) -> int:
    """Bytes Pillow allocates per pixel of ``mode``."""
    return _NARROW.get(mode, WIDE)


def area(size: tuple[int, int]) -> int:
    """Pixels of a ``(width, height)``."""
    return size[0] * size[1]


@dataclass(frozen=True)
class Shape:
    """What the plan knows of the canvas between two steps: no pixels, only their dimensions.

    ``size`` is what is held in memory; ``logical`` is the size OSS reasons about, larger only
    after a shrink-on-load decode until the resize that asked for it has run. ``frames`` > 1 while
    an animated GIF keeps its frames; ``pending`` while only the first is decoded and the reader
    steps through the others on demand.
    """

    size: tuple[int, int]
    mode: str
    logical: tuple[int, int] = (0, 0)
    frames: int = 1
    pending: bool = False

    def __post_init__(self) -> None:
        if self.logical == (0, 0):
            object.__setattr__(self, "logical", self.size)

    @property
    def frame_bytes(self) -> int:
        """Memory of one frame."""
        return area(self.size) * bytes_per_pixel(self.mode)

    @property
    def bytes(self) -> int:
        """Memory held by the canvas: every frame of an animation, or the first and the reader."""
        if self.pending:
            return self.frame_bytes + DECODER_FRAMES * wide(self.size)
        return self.frame_bytes * self.frames + (self.frames - 1) * FRAME_OVERHEAD

    def still(self, size: tuple[int, int] | None = None, mode: str = "RGBA") -> Shape:
        """A static image: what every step but resize leaves (RGB and RGBA cost the same)."""
        return Shape(size or self.size, mode)


def wide(size: tuple[int, int]) -> int:
    """Bytes of a four-byte image of ``size`` (RGB, RGBA, a converted copy)."""
    return area(size) * WIDE


def narrow(size: tuple[int, int]) -> int:
    """Bytes of a one-byte image of ``size`` (L masks, alpha channels)."""
    return area(size)


@dataclass(frozen=True)
class Footprint:
    """A step's result shape and the most memory held at once while it runs (its input included)."""

    shape: Shape
    peak: int


# What decoders hold besides the decoded image, in bytes per pixel of the source. Measured with
# Pillow 13 on 6-megapixel noise (tests/emulator/test_img_memory.py checks the sums): libwebp's
# animation decoder keeps canvases of its own, libheif and libavif their YUV planes and an RGB
# buffer, libtiff may read a strip as large as the image.
DECODER_EXTRA = {"webp": 16, "heic": 8, "avif": 8, "tiff": 4}
DECODER_EXTRA_OTHER = 1
# libjpeg keeps every DCT coefficient (two bytes each, per component) for a multi-scan file.
COEFFICIENT_BYTES = 2
# What encoders hold, in bytes per output pixel, beyond a converted copy (the bytes they write go
# to a file past 4 MB): libwebp's ARGB and YUV pictures and its output, GIF's quantizer (a colour
# hash as large as the image), x265 and libaom's frames (measured with Pillow 13 and pillow-heif
# on noise from 64 to 1500 pixels square: up to 46, 45, 43 and 20 bytes a pixel for HEIC, AVIF,
# GIF and WebP, and 14 MB for x265 on even the smallest image); a progressive JPEG needs Pillow's
# whole-output buffer (two bytes a pixel, see encode.encode) and libjpeg's coefficients.
ENCODER_EXTRA = {"webp": 24, "gif": 48, "heic": 48, "avif": 48, "png": 1, "tiff": 1}
ENCODER_EXTRA_OTHER = 1
ENCODER_FIXED = {"heic": 16 << 20, "avif": 8 << 20}
PROGRESSIVE_JPEG_EXTRA = 2 + 3 * COEFFICIENT_BYTES


def decoding(fmt: str, size: tuple[int, int], mode: str, full: tuple[int, int], scans: int, components: int) -> int:
    """Peak bytes of decoding an image of ``full`` pixels into ``size`` (smaller after a
    shrink-on-load) of ``mode``, the decoded image included."""
    held = area(size) * bytes_per_pixel(mode)
    extra = DECODER_EXTRA.get(fmt, DECODER_EXTRA_OTHER) * area(full)
    if fmt == "jpg" and scans > 1:
        extra += COEFFICIENT_BYTES * components * area(full)
    return held + extra


def encoding(fmt: str, shape: Shape, progressive: bool, *, converts: bool) -> int:
    """Peak bytes of encoding ``shape`` as ``fmt``, the image included: when ``converts``, a copy in
    a mode the encoder writes (and the alpha channel JPEG flattens with), and the encoder's own
    memory."""
    pixels = area(shape.size) * shape.frames
    extra = ENCODER_EXTRA.get(fmt, ENCODER_EXTRA_OTHER) * area(shape.size) + ENCODER_FIXED.get(fmt, 0)
    if fmt == "jpg" and progressive:
        extra += PROGRESSIVE_JPEG_EXTRA * pixels
    if fmt == "gif" and shape.frames > 1:
        # Pillow's GIF writer keeps every frame as P and compares each with the last as RGBA.
        extra += pixels + 2 * wide(shape.size) + shape.frames * FRAME_OVERHEAD
    copy = wide(shape.size) + narrow(shape.size) if converts else 0
    return shape.bytes + copy + extra
