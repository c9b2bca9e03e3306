"""Image bombs and hostile images for the emulator's tests.

PNGs are written row by row through zlib, so a 16000x15000 one never exists as pixels here; the
images only Pillow can write (a 29000x8000 JPEG, a 9-frame 5000x5000 GIF) are made by running
this file as a script, so the memory it takes is a child process's and is gone when it exits:
``python bombs.py DIR`` writes them into DIR.
"""

from __future__ import annotations

import base64
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# The reproductions of issue #9: name -> (object, process).
BOMBS = {
    "text": ("pixel.png", f"image/watermark,text_{b64('W' * 48)},size_1000,rotate_45"),
    "blur": ("huge.png", "image/blur,r_50,s_50"),
    "circle": ("wide.jpg", "image/circle,r_4096"),
    "frames": ("frames.gif", "image/resize,w_100"),
    "fill": ("square.png", f"image/watermark,text_{b64('W')},fill_1,size_1"),
}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, *, grey: bool = False, rows: int | None = None, value: int = 255) -> bytes:
    """A flat PNG of ``width`` x ``height`` (RGB, or L when ``grey``) whose pixel data holds only
    ``rows`` rows (all of them by default): fewer make a header that promises more than it has."""
    channels = 1 if grey else 3
    header = struct.pack(">IIBBBBB", width, height, 8, 0 if grey else 2, 0, 0, 0)
    row = b"\x00" + bytes([value]) * (width * channels)
    packer = zlib.compressobj(1)
    data = bytearray()
    for _ in range(height if rows is None else rows):
        data += packer.compress(row)
    data += packer.flush()
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", bytes(data)) + _chunk(b"IEND", b"")


def gif_with_far_frame(screen: tuple[int, int], frame: tuple[int, int]) -> bytes:
    """A GIF whose screen is ``screen`` and whose one frame claims ``frame`` pixels, so a reader
    that grows its canvas to hold the frame would allocate it whole."""
    header = b"GIF89a" + struct.pack("<HHBBB", *screen, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    descriptor = b"," + struct.pack("<HHHHB", 0, 0, *frame, 0)
    return header + descriptor + b"\x02\x02\x44\x01\x00;"


def orientation_exif(kind: int, count: int, value: bytes) -> bytes:
    """An EXIF block (little-endian TIFF) whose one entry is the Orientation tag of TIFF type
    ``kind`` holding ``value``: whatever a camera or an attacker wrote, Pillow will not write it."""
    inline = len(value) <= 4
    field = value.ljust(4, b"\x00") if inline else struct.pack("<I", 8 + 2 + 12 + 4)
    ifd = struct.pack("<HHHI", 1, 0x0112, kind, count) + field + struct.pack("<I", 0)
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd + (b"" if inline else value)


def jpeg_with_exif(exif: bytes, size: tuple[int, int] = (400, 200)) -> bytes:
    """A gradient JPEG of ``size`` carrying ``exif`` as its APP1 segment."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def make(folder: Path) -> Path:
    """Write every bomb's object into ``folder`` (those Pillow must encode, in a child process),
    keeping those already there; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, make_png in [
        ("pixel.png", lambda: png(1, 1)), ("square.png", lambda: png(2000, 2000)),
        ("huge.png", lambda: png(16000, 15000)), ("huge-grey.png", lambda: png(16000, 15000, grey=True)),
    ]:  # fmt: skip
        if not (folder / name).exists():
            (folder / name).write_bytes(make_png())
    if not (folder / "frames.gif").exists():
        subprocess.run([sys.executable, __file__, str(folder)], check=True)
    return folder


def bomb_folder(tmp_path_factory: Any) -> Path:
    """The bomb images of this test session, made once and shared by the modules that use them."""
    return make(tmp_path_factory.getbasetemp() / "bomb-images")


def _make_with_pillow(folder: Path) -> None:
    from PIL import Image

    Image.new("RGB", (29000, 8000), (200, 120, 40)).save(folder / "wide.jpg", "JPEG", quality=90)
    frames = []
    for i in range(9):  # one colour each, so no two frames are the same and none is merged away
        frame = Image.new("P", (5000, 5000), 0)
        frame.putpalette([i * 28, 255 - i * 28, 90] + [0] * 765)
        frames.append(frame)
    frames[0].save(folder / "frames.gif", save_all=True, append_images=frames[1:], duration=100)


if __name__ == "__main__":
    _make_with_pillow(Path(sys.argv[1]))
