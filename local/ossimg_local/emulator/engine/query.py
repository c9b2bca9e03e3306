"""``image/info`` and ``image/average-hue``: OSS's JSON answers instead of pixels (§3.12-3.13)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from PIL import ExifTags, Image, ImageStat

from .codecs import Source, decode

# average-hue averages the image down to about this many pixels on its shorter side first.
HUE_SIDE = 64

_EXIF_FIELDS = {
    ExifTags.Base.Orientation: "Orientation",
    ExifTags.Base.DateTime: "DateTime",
    ExifTags.Base.Make: "Make",
    ExifTags.Base.Model: "Model",
}


def _fraction(value: object) -> str:
    numerator = getattr(value, "numerator", None)
    if numerator is not None:
        return f"{numerator}/{getattr(value, 'denominator', 1)}"
    return f"{value}/1" if isinstance(value, int) else str(value)


def info_json(source: Source) -> bytes:
    """Keys sorted, one per line with four-space indent, closing ``}}``: the body OSS sends."""
    image = source.opened()
    width, height = image.size
    frames = source.frames if source.format == "gif" else getattr(image, "n_frames", 1)
    fields = {
        "FileSize": str(source.file_size),
        "Format": source.format,
        "FrameCount": str(frames),
        "ImageHeight": str(height),
        "ImageWidth": str(width),
    }
    exif = _exif(image) if source.format != "png" else {}
    if ExifTags.Base.ResolutionUnit in exif:
        fields["ResolutionUnit"] = str(exif[ExifTags.Base.ResolutionUnit])
        fields["XResolution"] = _fraction(exif.get(ExifTags.Base.XResolution, 1))
        fields["YResolution"] = _fraction(exif.get(ExifTags.Base.YResolution, 1))
    for tag, name in _EXIF_FIELDS.items():
        if tag in exif:
            fields[name] = str(exif[tag]).strip("\x00 ")
    lines = [f'"{k}": {{"value": {json.dumps(v, ensure_ascii=False)}}}' for k, v in sorted(fields.items())]
    return ("{\n    " + ",\n    ".join(lines) + "}").encode("utf-8")


def _exif(image: Image.Image) -> Mapping[int, object]:
    try:
        return image.getexif()
    except Exception:  # a corrupt EXIF block is no EXIF: the image itself is still answered
        return {}


def average_hue_json(source: Source) -> bytes:
    """``{"RGB": "0xrrggbb"}``: the mean colour (OSS weights "salient" pixels; a plain mean here),
    taken on the image averaged down by a whole factor (a JPEG decodes at 1/8 already)."""
    image = decode(source, auto_orient=False)
    if image.mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA")
    factor = max(1, min(image.size) // HUE_SIDE)
    if factor > 1:
        image = image.reduce(factor)
    red, green, blue = (round(c) for c in ImageStat.Stat(image.convert("RGB")).mean)
    return json.dumps({"RGB": f"0x{red:02x}{green:02x}{blue:02x}"}).encode()
