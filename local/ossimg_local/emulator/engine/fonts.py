"""The fonts OSS names for text watermarks, found among the system's fonts.

OSS offers wqy-zenhei, wqy-microhei, droidsansfallback and four FangZheng faces (oss-img-spec §3.14).
The first three are free and come from Debian (``make fonts`` installs fonts-wqy-zenhei,
fonts-wqy-microhei and fonts-droid-fallback); the FangZheng faces are commercial, so they fall back
to wqy-zenhei. Without any of them, Pillow's bundled font is used (no CJK glyphs).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
FILES = {
    "wqy-zenhei": ("wqy-zenhei.ttc",),
    "wqy-microhei": ("wqy-microhei.ttc",),
    "droidsansfallback": ("DroidSansFallbackFull.ttf", "DroidSansFallback.ttf"),
}
FALLBACK = ("wqy-zenhei", "wqy-microhei", "droidsansfallback")

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def font_file(name: str) -> Path | None:
    """The installed file for OSS font ``name`` (or its fallback), None when none is installed."""
    for candidate in (name, *FALLBACK):
        for file_name in FILES.get(candidate, ()):
            for folder in FONT_DIRS:
                found = next(iter(folder.rglob(file_name)), None) if folder.is_dir() else None
                if found is not None:
                    return found
    return None


@cache
def load(name: str, size: int) -> Font:
    """A font object for ``name`` at ``size`` pixels."""
    path = font_file(name)
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)
