"""Deterministic sample images for the demo and tests (no network, no binary files in the repo)."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw

SIZES = {"jpg": (1600, 1200), "jpeg": (1600, 1200), "png": (1200, 800), "webp": (1200, 900), "gif": (480, 360)}
PIL_NAMES = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF", "bmp": "BMP", "tiff": "TIFF"}


def sample_image(name: str, size: tuple[int, int] | None = None, fmt: str | None = None) -> bytes:
    """A colourful image seeded by ``name``, in the format its extension names (JPEG by default)."""
    ext = fmt or name.rpartition(".")[2].lower()
    ext = ext if ext in PIL_NAMES else "jpg"
    width, height = size or SIZES.get(ext, (1600, 1200))
    seed = hashlib.sha256(name.encode()).digest()
    image = gradient(width, height, seed)
    draw = ImageDraw.Draw(image)
    for i in range(6):
        x, y = seed[i] * width // 256, seed[i + 6] * height // 256
        r = max(8, seed[i + 12] * min(width, height) // 1024)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(seed[i + 18 : i + 21]))
    draw.rectangle((0, height - 24, width, height), fill=(0, 0, 0))
    draw.text((8, height - 20), name[:80], fill=(255, 255, 255))
    out = io.BytesIO()
    if ext in ("jpg", "jpeg"):
        image.save(out, "JPEG", quality=90)
    else:
        image.save(out, PIL_NAMES[ext])
    return out.getvalue()


def gradient(width: int, height: int, seed: bytes) -> Image.Image:
    """A smooth two-colour diagonal gradient, cheap to build at any size."""
    a, b = seed[24:27], seed[27:30]
    ramp = Image.linear_gradient("L").resize((width, height))
    return Image.composite(
        Image.new("RGB", (width, height), tuple(a)), Image.new("RGB", (width, height), tuple(b)), ramp
    )
