"""Structural similarity (SSIM, Wang et al. 2004) of two images, for tests that must see pixels.

Grey levels, a 7x7 uniform window (as scikit-image's default), C1 = (0.01 L)^2, C2 = (0.03 L)^2;
the mean over the image. 1.0 for identical images; a flip, a no-op where a blur was due, or a
shifted brightness falls well below. Transparent pixels are laid over magenta first, so a circle
crop and its uncropped source differ as they look.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

WINDOW = 7
C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def grey(image: Image.Image | bytes) -> np.ndarray:
    """The image's grey levels as floats, transparency laid over magenta."""
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    image = image.convert("RGBA")
    backdrop = Image.new("RGBA", image.size, (255, 0, 255, 255))
    return np.asarray(Image.alpha_composite(backdrop, image).convert("L"), dtype=np.float64)


def _local_mean(a: np.ndarray) -> np.ndarray:
    """Mean over every WINDOW x WINDOW square (valid positions only), by summed-area table."""
    s = np.pad(a, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    w = WINDOW
    return (s[w:, w:] - s[:-w, w:] - s[w:, :-w] + s[:-w, :-w]) / (w * w)


def ssim(a: Image.Image | bytes, b: Image.Image | bytes) -> float:
    """SSIM of two images of the same size."""
    x, y = grey(a), grey(b)
    if x.shape != y.shape:
        raise ValueError(f"sizes differ: {x.shape[::-1]} and {y.shape[::-1]}")
    mx, my = _local_mean(x), _local_mean(y)
    vx, vy = _local_mean(x * x) - mx * mx, _local_mean(y * y) - my * my
    cxy = _local_mean(x * y) - mx * my
    score = ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2))
    return float(score.mean())
