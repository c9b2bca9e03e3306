"""``image/info`` and ``image/average-hue``: OSS's JSON answers instead of pixels (§3.12-3.13)."""

from __future__ import annotations

import json

from PIL import ExifTags, ImageStat

from .codecs import Source, decode

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
    image = source.image
    width, height = image.size
    fields = {
        "FileSize": str(source.file_size),
        "Format": source.format,
        "FrameCount": str(getattr(image, "n_frames", 1)),
        "ImageHeight": str(height),
        "ImageWidth": str(width),
    }
    exif = image.getexif() if source.format != "png" else {}
    if ExifTags.Base.ResolutionUnit in exif:
        fields["ResolutionUnit"] = str(exif[ExifTags.Base.ResolutionUnit])
        fields["XResolution"] = _fraction(exif.get(ExifTags.Base.XResolution, 1))
        fields["YResolution"] = _fraction(exif.get(ExifTags.Base.YResolution, 1))
    for tag, name in _EXIF_FIELDS.items():
        if tag in exif:
            fields[name] = str(exif[tag]).strip("\x00 ")
    lines = [f'"{k}": {{"value": {json.dumps(v, ensure_ascii=False)}}}' for k, v in sorted(fields.items())]
    return ("{\n    " + ",\n    ".join(lines) + "}").encode("utf-8")


def average_hue_json(source: Source) -> bytes:
    """``{"RGB": "0xrrggbb"}``: the mean colour (OSS weights "salient" pixels; a plain mean here)."""
    image = decode(source, (64, 64)).convert("RGB")
    red, green, blue = (round(c) for c in ImageStat.Stat(image).mean)
    return json.dumps({"RGB": f"0x{red:02x}{green:02x}{blue:02x}"}).encode()
