"""``x-oss-process`` text: operations to chain and back, chain-wide rules, and the saveas suffix."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from ..errors import OpError
from .base import Op
from .ops import AverageHue, Info, Resize, Style, Watermark, op_class
from .saveas import b64url, process_with_saveas, saveas
from .watermark import NESTED_ACTIONS

__all__ = ["b64url", "check", "decode_b64url", "parse", "parse_action", "process_with_saveas", "render", "saveas"]

PREFIX = "image/"
STYLE_PREFIX = "style/"
MAX_WATERMARKS = 3
# OSS caps the process string (EC 0017-00000288) without publishing the number; this is ours.
MAX_PROCESS_LENGTH = 4096


def render(ops: Sequence[Op]) -> str:
    """``image/<action>/<action>…`` (or ``style/<name>``), the text OSS executes left to right."""
    if len(ops) == 1 and isinstance(ops[0], Style):
        return ops[0].render()
    return PREFIX + "/".join(op.render() for op in ops)


def parse(text: str, *, nested: bool = False) -> list[Op]:
    """Operations of an ``image/…`` chain or a ``style/<name>`` reference; ``nested`` parses a
    watermark image's own process. Parameters OSS does not document are refused, never dropped.
    Raises OpError naming the action and parameter.
    """
    if len(text) > MAX_PROCESS_LENGTH:
        raise OpError(f"the process is longer than {MAX_PROCESS_LENGTH} characters.", op="", ec="0017-00000288")
    if text.startswith(STYLE_PREFIX) and not nested:
        return [Style.build({"name": text[len(STYLE_PREFIX) :]})]
    if not text.startswith(PREFIX):
        raise OpError(
            f"a process must start with {PREFIX!r} or {STYLE_PREFIX!r}, got {text[:40]!r}.", op="", value=text
        )
    actions = text[len(PREFIX) :].split("/")
    if actions == [""]:
        raise OpError("image/ names no action.", op="", ec="0040-00000212")
    ops = [parse_action(action) for action in actions]
    check(ops, nested=nested)
    return ops


def parse_action(text: str) -> Op:
    """One ``name,k_v,…`` (or ``name,value``) action. Raises OpError."""
    name, *raw = text.split(",")
    cls = op_class(name)
    values = [v for v in raw if v != ""]  # OSS tolerates a trailing comma
    data: dict[str, str] = {}
    if cls.bare:
        if len(values) > 1:
            raise OpError(
                f"{name} takes one value, got {len(values)}: {','.join(values)}.",
                op=name,
                value=",".join(values),
                ec="0040-00000203",
            )
        if values:
            data[cls.bare] = values[0]
        return cls.build(data)
    for item in values:
        param, sep, value = item.partition("_")
        if not sep:
            raise OpError(f"{name}: parameter {item!r} is not key_value.", op=name, param=item, value=item)
        data[param] = _decoded(cls, param, value)  # a repeated key overrides (oss-img-spec §1.3)
    return cls.build(data)


def _decoded(cls: type[Op], param: str, value: str) -> str:
    if param not in cls.encoded:
        return value
    try:
        return decode_b64url(value)
    except ValueError:
        raise OpError(
            f"{cls.action}: {param} must be URL-safe base64, got {value!r}.",
            op=cls.action,
            param=param,
            value=value,
            allowed="URL-safe base64",
            ec=cls.ec.get(param),
        ) from None


def check(ops: Sequence[Op], *, nested: bool = False) -> None:
    """Rules that span a chain: what stands alone, how many watermarks, what a watermark image may do."""
    for op in ops:
        if nested and op.action not in NESTED_ACTIONS:
            ec = {"watermark": "0040-00000373", "info": "0040-00000374"}.get(op.action)
            allowed = ", ".join(sorted(NESTED_ACTIONS))
            raise OpError(f"a watermark image's process may only use {allowed}, not {op.action}.", op=op.action, ec=ec)
        if not nested and isinstance(op, Resize) and op.P is not None:
            raise OpError("resize: P is only valid in a watermark image's own process.", op="resize", param="P")
        if isinstance(op, (Info, AverageHue, Style)) and len(ops) > 1:
            raise OpError(f"{op.action} cannot be combined with other actions.", op=op.action)
    if sum(isinstance(op, Watermark) for op in ops) > MAX_WATERMARKS:
        raise OpError(f"a chain may carry at most {MAX_WATERMARKS} watermarks.", op="watermark")


def decode_b64url(value: str) -> str:
    """Inverse of :func:`b64url`, lenient as OSS is: padding optional, ``+/`` accepted too.

    Raises ValueError when ``value`` is not base64 of UTF-8 text.
    """
    cleaned = value.replace("+", "-").replace("/", "_")
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_", validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(f"not URL-safe base64 of UTF-8 text: {value!r}") from exc
