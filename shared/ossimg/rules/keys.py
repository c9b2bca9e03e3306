"""Output key templates: placeholders, rendering, normalisation and confinement; pure.

Placeholders, for source ``photos/2024/cat.JPG`` in bucket ``uploads`` saved by variant ``thumb``
as webp, from an event at 2026-11-20T06:45:43Z with ETag ``688A…``:

=============  ==========================
``{key}``      photos/2024/cat.JPG
``{dir}``      photos/2024
``{name}``     cat.JPG
``{stem}``     cat
``{ext}``      JPG
``{variant}``  thumb
``{format}``   webp (the variant's output format)
``{rule}``     the matched rule's prefix
``{bucket}``   uploads (the source bucket)
``{etag}``     the source's ETag, lower case
``{year}`` ``{month}`` ``{day}``  2026, 11, 20 (from the event time)
=============  ==========================

A rendered key is normalised (empty and ``.`` segments dropped, no leading ``/``) and must stay
under the template's literal prefix: ``thumbs/{key}`` can never write outside ``thumbs/``.
"""

from __future__ import annotations

import posixpath
import string

PLACEHOLDERS = (
    "key",
    "dir",
    "name",
    "stem",
    "ext",
    "variant",
    "format",
    "rule",
    "bucket",
    "etag",
    "year",
    "month",
    "day",
)
MAX_KEY_BYTES = 1023


def template_fields(template: str) -> list[str]:
    """Placeholder names used by ``template``. Raises ValueError for a malformed or unknown one, and
    for literal text no rendered key could carry (``..`` segments, control characters, too long)."""
    names = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"malformed template {template!r}: {exc}.") from None
    literal = "".join(text for text, *_ in parsed)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in literal):
        raise ValueError(f"the template {template[:60]!r} contains a control character; OSS keys cannot.")
    if len(literal.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise ValueError(f"the template's fixed text alone is longer than an OSS key may be ({MAX_KEY_BYTES} bytes).")
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {{{name}}} in {template!r}; use {allowed}.")
        names.append(name)
    # Placeholders filled with a plain word: a '..' segment left over is the template's own.
    if ".." in template.format_map(dict.fromkeys(names, "x")).split("/"):
        raise ValueError(f"the template {template[:60]!r} climbs out of its folder with '..'.")
    return names


def literal_prefix(template: str) -> str:
    """The normalised text before the first placeholder: where every rendered key must stay."""
    head = template.split("{", 1)[0]
    normal = "/".join(p for p in head.split("/") if p not in ("", "."))
    # A partial last segment ("thumbs/small-") is still a prefix; a complete one keeps its slash.
    return normal + "/" if head.endswith("/") and normal else normal


def key_parts(key: str) -> dict[str, str]:
    """The placeholders that depend on the source key only."""
    directory, name = posixpath.split(key)
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    return {"key": key, "dir": directory, "name": name, "stem": stem, "ext": ext}


def render_key(template: str, values: dict[str, str]) -> str:
    """Fill ``template`` and normalise the result. Raises ValueError for a key OSS would refuse or
    one that leaves the template's literal prefix."""
    key = template.format_map(values)
    parts = [p for p in key.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ValueError(f"the key {key!r} climbs out of its folder with '..'.")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise ValueError(f"the key {key!r} contains a control character.")
    normal = "/".join(parts)
    if not normal:
        raise ValueError(f"the template {template!r} renders an empty key.")
    if len(normal.encode("utf-8")) > MAX_KEY_BYTES:
        raise ValueError(f"the key is longer than {MAX_KEY_BYTES} bytes: {normal[:60]!r}….")
    prefix = literal_prefix(template)
    if not normal.startswith(prefix):
        raise ValueError(f"the key {normal!r} escapes the template's prefix {prefix!r}.")
    return normal
