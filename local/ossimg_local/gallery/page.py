"""The gallery page: one HTML file with its style, script and (for a written page) its data inside.

``ossimg demo`` and ``ossimg try`` write it beside copies of every source and variant, so
``out/demo/index.html`` opens from disk; ``ossimg up`` serves the same page live (``live.py``).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .model import Picture, Reader, SourceView, png_preview

PREVIEWS = "_previews"


def _asset(name: str) -> str:
    return resources.files("ossimg_local.gallery").joinpath("static").joinpath(name).read_text(encoding="utf-8")


def render_page(config: dict[str, Any]) -> str:
    """The page, with ``config`` (``subtitle``, ``live``, ``api``, ``prefixes``, ``sources``) inside."""
    # Inside a <script> element, "</" would end it: JSON allows "\/" for "/".
    data = json.dumps(config, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")
    page = _asset("page.html")
    for mark, text in (("/*CSS*/", _asset("gallery.css")), ("/*JS*/", _asset("gallery.js")), ("/*DATA*/", data)):
        page = page.replace(mark, text, 1)
    return page


def safe_path(bucket: str, key: str) -> str:
    """Where an object's copy goes under the output folder: ``bucket/key``, with segments that could
    leave the folder (``..``, ``.``, empty) made harmless."""
    parts = [p if p not in ("", ".", "..") else "_" for p in key.split("/")]
    return "/".join([bucket, *parts])


def write_site(out: Path, sources: list[SourceView], read: Reader, subtitle: str) -> Path:
    """Copy every source and variant under ``out`` (``out/<bucket>/<key>``, PNG previews of what a
    browser cannot show under ``out/_previews``), then write ``out/index.html``; returns its path."""
    for source in sources:
        pictures = [source.picture] + [v.picture for v in source.variants]
        for picture in pictures:
            if picture is not None:
                _keep(out, picture, read)
    page = out / "index.html"
    out.mkdir(parents=True, exist_ok=True)
    config = {"subtitle": subtitle, "live": False, "sources": [s.as_json() for s in sources]}
    page.write_text(render_page(config), encoding="utf-8")
    return page


def _keep(out: Path, picture: Picture, read: Reader) -> None:
    data = read(picture.bucket, picture.key)
    if data is None:
        return
    relative = safe_path(picture.bucket, picture.key)
    target = out / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    picture.href = quote(relative)
    if picture.needs_preview and picture.format != "not an image":
        preview = out / PREVIEWS / (relative + ".png")
        preview.parent.mkdir(parents=True, exist_ok=True)
        preview.write_bytes(png_preview(data))
        picture.preview = quote(f"{PREVIEWS}/{relative}.png")
