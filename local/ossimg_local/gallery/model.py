"""What the gallery shows: each source next to its variants, from the function's own log lines.

A variant's rule, target, status, duration and error come from the function's ``variant`` lines;
its exact IMG chain from the same decision the function made (``ossimg.explain`` over the rules the
function ran with); its real size, format and bytes from the object read back from OSS.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from PIL import Image

from ossimg.events import ObjectEvent
from ossimg.explain import explain_record
from ossimg.rules.compiled import CompiledRules

from ..emulator.engine.codecs import OSS_FORMAT  # also registers the HEIF opener with Pillow
from ..logview import records

# Formats a browser shows as they are; the others (HEIC, TIFF) get a PNG preview beside them.
BROWSER_FORMATS = frozenset({"jpg", "png", "webp", "gif", "bmp", "avif"})
Reader = Callable[[str, str], "bytes | None"]


@dataclass
class Picture:
    """An object read back from OSS: an image (size, format) or a JSON answer (``text``)."""

    bucket: str
    key: str
    size: int
    format: str
    width: int = 0
    height: int = 0
    text: str = ""
    href: str = ""
    preview: str = ""

    @property
    def needs_preview(self) -> bool:
        """A browser cannot show this image as it is."""
        return not self.text and self.format not in BROWSER_FORMATS


@dataclass
class VariantView:
    """One variant of a source: what the rule asked for and what came of it."""

    rule: str
    variant: str
    status: str
    chain: str = ""
    target_bucket: str = ""
    target_key: str = ""
    error: str = ""
    duration_ms: float = 0.0
    attempts: int = 0
    picture: Picture | None = None


@dataclass
class SourceView:
    """One uploaded object and what the function made of it (``pending`` until it has run)."""

    bucket: str
    key: str
    picture: Picture | None = None
    variants: list[VariantView] = field(default_factory=list)
    skipped: str = ""
    pending: bool = False

    def as_json(self) -> dict[str, Any]:
        """The page's view of this source."""
        return asdict(self)


def describe(bucket: str, key: str, data: bytes) -> Picture:
    """Size and format of an object's bytes; JSON answers (``info``, ``average-hue``) keep their text."""
    if data.lstrip().startswith(b"{"):
        try:
            text = json.dumps(json.loads(data), indent=1, ensure_ascii=False)
        except ValueError:
            text = data.decode("utf-8", errors="replace")
        return Picture(bucket, key, len(data), "json", text=text)
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = OSS_FORMAT.get(image.format or "", (image.format or "?").lower())
            return Picture(bucket, key, len(data), fmt, image.width, image.height)
    except (OSError, ValueError, Image.DecompressionBombError):
        return Picture(bucket, key, len(data), "not an image")


def png_preview(data: bytes, longest: int = 1024) -> bytes:
    """A PNG a browser can show, for an image in a format it cannot (HEIC, TIFF)."""
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((longest, longest))
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()


def sources_from_log(lines: list[str], rules: CompiledRules, read: Reader) -> list[SourceView]:
    """The sources one invocation handled, from its log lines, with pictures read by ``read``."""
    views: dict[tuple[str, str], SourceView] = {}
    chains: dict[tuple[str, str], dict[tuple[str, str], str]] = {}
    for doc in records(lines):
        if doc.get("msg") not in ("variant", "record skipped") or not isinstance(doc.get("key"), str):
            continue
        bucket, key = str(doc.get("bucket")), doc["key"]
        view = views.get((bucket, key))
        if view is None:
            view = views[(bucket, key)] = SourceView(bucket, key)
            event_name = str(doc.get("event_name") or "ObjectCreated:PutObject")
            chains[(bucket, key)] = _chains(bucket, key, event_name, rules)
        if doc["msg"] == "record skipped":
            view.skipped = str(doc.get("reason"))
            continue
        view.variants.append(_variant(doc, chains[(bucket, key)], read))
    for view in views.values():
        data = read(view.bucket, view.key)
        view.picture = describe(view.bucket, view.key, data) if data is not None else None
    return list(views.values())


def _chains(bucket: str, key: str, event_name: str, rules: CompiledRules) -> dict[tuple[str, str], str]:
    """Each variant's IMG chain, from the decision the function made for this record."""
    plan = explain_record(ObjectEvent(event_name, bucket, key), rules)
    return {(str(v["rule"]), str(v["variant"])): str(v.get("chain", "")) for v in plan["variants"]}


def _variant(doc: dict[str, Any], chains: dict[tuple[str, str], str], read: Reader) -> VariantView:
    rule, variant = str(doc.get("rule")), str(doc.get("variant"))
    view = VariantView(
        rule,
        variant,
        str(doc.get("status")),
        chains.get((rule, variant), ""),
        str(doc.get("target_bucket", "")),
        str(doc.get("target_key", "")),
        duration_ms=float(doc.get("duration_ms") or 0),
        attempts=int(doc.get("attempts") or 0),
    )
    if doc.get("error_code"):
        view.error = f"{doc.get('error_code')}: {doc.get('error_message', '')}"
    if view.status in ("ok", "up-to-date") and view.target_key:
        data = read(view.target_bucket, view.target_key)
        view.picture = describe(view.target_bucket, view.target_key, data) if data is not None else None
    return view
