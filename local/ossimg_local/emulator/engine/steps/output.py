"""``format``, ``quality``, ``interlace``, ``auto-orient``: settings, no pixel moves here."""

from __future__ import annotations

from ossimg.img.formats import applies
from ossimg.img.ops import AutoOrient, Format, Interlace, Quality

from ..canvas import Canvas


def apply_format(canvas: Canvas, op: Format) -> None:
    """Choose the output format."""
    canvas.format = chosen_format(canvas.format, canvas.source.format, op)


def chosen_format(current: str, source_format: str, op: Format) -> str:
    """The output format after ``op``: ``gif`` keeps only GIF sources GIF (oss-img-spec §3.9)."""
    return op.value if applies(op.value, source_format) else current


def apply_quality(canvas: Canvas, op: Quality) -> None:
    """Record q (relative) and Q (absolute); Q wins when both are set."""
    canvas.relative_quality = op.q
    canvas.absolute_quality = op.Q


def apply_interlace(canvas: Canvas, op: Interlace) -> None:
    """1 writes a progressive JPEG; other formats ignore it."""
    canvas.progressive = op.value == 1


def apply_auto_orient(canvas: Canvas, op: AutoOrient) -> None:
    """Orientation is decided when decoding (it applies to the whole chain); nothing to do here."""
