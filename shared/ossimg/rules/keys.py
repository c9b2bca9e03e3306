"""Output key templates: placeholders, rendering and normalisation; pure.

Placeholders, for a source key ``photos/2024/cat.JPG`` and variant ``thumb`` saved as webp:
``{key}`` photos/2024/cat.JPG, ``{dir}`` photos/2024, ``{name}`` cat.JPG, ``{stem}`` cat,
``{ext}`` JPG, ``{variant}`` thumb, ``{format}`` webp, ``{rule}`` the rule's prefix.
"""

from __future__ import annotations

import posixpath
import string

PLACEHOLDERS = ("key", "dir", "name", "stem", "ext", "variant", "format", "rule")
MAX_KEY_BYTES = 1023


def template_fields(template: str) -> list[str]:
    """Placeholder names used by ``template``. Raises ValueError for a malformed or unknown one."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {{{name}}} in {template!r}; use {allowed}.")
        names.append(name)
    return names


def key_parts(key: str) -> dict[str, str]:
    """The placeholders that depend on the source key only."""
    directory, name = posixpath.split(key)
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    return {"key": key, "dir": directory, "name": name, "stem": stem, "ext": ext}


def render_key(template: str, values: dict[str, str]) -> str:
    """Fill ``template`` and normalise the result. Raises ValueError for a key OSS would refuse."""
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
    return normal
