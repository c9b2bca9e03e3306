"""What an image's structure says about the cost of decoding it, read without decoding a pixel.

Two things Pillow does not tell before it decodes: a GIF's frames (how many, and how far they reach:
Pillow grows the canvas to hold a frame that lies outside the declared screen, so a 1x1 GIF can
decode at 60000x60000), and how many scans a JPEG has (libjpeg keeps the whole image's DCT
coefficients in memory for a progressive or multi-scan file, even when it decodes at 1/8 scale).
Both are found by walking the file's blocks in chunks, never holding the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 1 << 20


class _Reader:
    """Sequential reads over a file, a chunk at a time."""

    def __init__(self, fp: BinaryIO) -> None:
        self.fp = fp
        self.buf = b""
        self.pos = 0

    def _fill(self, need: int) -> bool:
        if len(self.buf) - self.pos >= need:
            return True
        self.buf = self.buf[self.pos :] + self.fp.read(max(CHUNK, need))
        self.pos = 0
        return len(self.buf) >= need

    def read(self, count: int) -> bytes | None:
        """``count`` bytes, or None at the end of the file."""
        if not self._fill(count):
            return None
        data = self.buf[self.pos : self.pos + count]
        self.pos += count
        return data

    def skip_sub_blocks(self) -> bool:
        """Skip GIF data sub-blocks up to their terminator; False when the file ends first."""
        while self._fill(1):
            buf, pos, end = self.buf, self.pos, len(self.buf)
            # The hot loop of a GIF made of one-byte sub-blocks: stay inside the chunk.
            while pos < end:
                length = buf[pos]
                if length == 0:
                    self.pos = pos + 1
                    return True
                pos += length + 1
            over, self.buf, self.pos = pos - end, b"", 0  # the last sub-block ran past the chunk
            if over and len(self.fp.read(over)) < over:
                return False
        return False

    def rest(self) -> bytes:
        """The buffered bytes not read yet (the file continues after them)."""
        data, self.buf, self.pos = self.buf[self.pos :], b"", 0
        return data


@dataclass(frozen=True)
class GifLayout:
    """A GIF's frame count and the canvas its frames need (the screen grown to the farthest frame)."""

    frames: int
    size: tuple[int, int]


def gif_layout(fp: BinaryIO) -> GifLayout:
    """Walk a GIF's blocks as Pillow does (unknown bytes between blocks are skipped)."""
    reader = _Reader(fp)
    header = reader.read(13)
    if header is None:
        return GifLayout(0, (0, 0))
    width, height = int.from_bytes(header[6:8], "little"), int.from_bytes(header[8:10], "little")
    if header[10] & 0x80 and reader.read(3 << ((header[10] & 7) + 1)) is None:
        return GifLayout(0, (width, height))
    frames = 0
    while (kind := reader.read(1)) not in (None, b";"):
        if kind == b"!":
            if reader.read(1) is None or not reader.skip_sub_blocks():
                break
        elif kind == b",":
            descriptor = reader.read(9)
            if descriptor is None:
                break
            x0, y0 = int.from_bytes(descriptor[0:2], "little"), int.from_bytes(descriptor[2:4], "little")
            x1 = x0 + int.from_bytes(descriptor[4:6], "little")
            y1 = y0 + int.from_bytes(descriptor[6:8], "little")
            width, height = max(width, x1), max(height, y1)
            frames += 1
            if descriptor[8] & 0x80 and reader.read(3 << ((descriptor[8] & 7) + 1)) is None:
                break
            if reader.read(1) is None or not reader.skip_sub_blocks():
                break
    return GifLayout(frames, (width, height))


SOS, EOI = b"\xff\xda", b"\xff\xd9"
# Frames coded sequentially (baseline, extended, arithmetic): every component is coded in exactly one
# scan (ITU-T T.81, 4.10), so a first scan that holds them all is the frame's only scan.
SEQUENTIAL = (b"\xc0", b"\xc1", b"\xc9")
# Start-of-frame markers; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are no frames.
FRAMES = tuple(bytes([k]) for k in range(0xC0, 0xD0) if k not in (0xC4, 0xC8, 0xCC))


def _to_first_scan(reader: _Reader) -> tuple[bool, int]:
    """Walk a JPEG's header segments (APPn, DQT, SOF, DHT…) to its first SOS: whether they lead
    there, and the frame's component count when it is coded sequentially (0 otherwise). An EXIF
    thumbnail inside APP1 has scans of its own that must not be counted."""
    if reader.read(2) != b"\xff\xd8":
        return False, 0
    sequential_components, hierarchical = 0, False
    while True:
        if reader.read(1) != b"\xff":
            return False, 0
        kind = reader.read(1)
        while kind == b"\xff":  # fill bytes may precede a marker
            kind = reader.read(1)
        if kind is None:
            return False, 0
        if kind == SOS[1:]:
            return True, 0 if hierarchical else sequential_components
        if kind == b"\x01" or b"\xd0" <= kind <= b"\xd7":
            continue  # markers without a length
        length = reader.read(2)
        segment = reader.read(max(0, int.from_bytes(length, "big") - 2)) if length is not None else None
        if segment is None:
            return False, 0
        hierarchical = hierarchical or kind == b"\xde"  # DHP: more frames follow, each with its scans
        if kind in FRAMES:
            sequential_components = segment[5] if kind in SEQUENTIAL and len(segment) > 5 else 0


# What a JPEG whose headers cannot be walked is taken to have: the costly kind.
UNKNOWN_SCANS = 2


def jpeg_scans(fp: BinaryIO) -> int:
    """The number of scans of a JPEG's first image: 1 for a baseline file, more for a progressive
    or non-interleaved one. A sequential frame whose first scan holds every component has no other
    (most photos: found from the headers alone). Otherwise the SOS markers up to the first EOI are
    counted, which is exact: entropy-coded data never holds 0xFF followed by a marker byte (it is
    stuffed as FF 00)."""
    reader = _Reader(fp)
    found, components = _to_first_scan(reader)
    if not found:
        return UNKNOWN_SCANS
    scan_header = reader.read(3)  # the SOS segment's length, then its component count
    if scan_header is None:
        return UNKNOWN_SCANS
    if components and scan_header[2] == components:
        return 1
    scans, data = 1, reader.rest()
    while len(data) > 1:
        end = data.find(EOI)
        scans += data[: end if end >= 0 else len(data) - 1].count(SOS)  # the last byte may start a marker
        if end >= 0:
            break
        data = data[-1:] + fp.read(CHUNK)
    return scans
