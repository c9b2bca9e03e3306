"""What the example rules reference in the source bucket besides uploads: the watermark image the
``gallery/`` rule stamps and the bucket style it uses. ``demo``, ``try`` and ``up`` all create them."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw

SOURCE_BUCKET = "ossimg-uploads"
LOGO_KEY = "assets/logo.png"
STYLES = {"ossimg-square": "image/resize,m_fill,w_240,h_240/format,png"}


def logo() -> bytes:
    """A small translucent badge to stamp on images."""
    badge = Image.new("RGBA", (240, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(badge)
    draw.rounded_rectangle((0, 0, 239, 119), radius=24, fill=(255, 106, 0, 220))
    draw.text((30, 35), "ossimg", fill=(255, 255, 255, 255), font_size=44)
    out = io.BytesIO()
    badge.save(out, "PNG")
    return out.getvalue()


def seed(bucket: Any) -> list[str]:
    """Put the logo and the styles into ``bucket`` (an ``oss2.Bucket``); returns what was made."""
    bucket.put_object(LOGO_KEY, logo())
    for name, content in STYLES.items():
        bucket.put_bucket_style(name, content)
    return [f"{bucket.bucket_name}/{LOGO_KEY}", *(f"style {name}" for name in STYLES)]
