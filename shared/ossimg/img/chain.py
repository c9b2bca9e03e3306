"""``x-oss-process`` text: operations to chain and back, and the ``sys/saveas`` suffix."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from ..errors import OpError
from .ops import Op, op_class

PREFIX = "image/"


def render(ops: Sequence[Op]) -> str:
    """``image/<action>/<action>…``, the text OSS executes left to right."""
    return PREFIX + "/".join(op.render() for op in ops)


def parse(text: str, *, strict: bool = True) -> list[Op]:
    """Operations of an ``image/…`` chain.

    ``strict`` refuses parameters OSS does not document; the emulator passes False because OSS
    itself ignores them (every SDK suite sends ``crop,…,r_1``; oss-img-spec §1.2).
    Raises OpError naming the action and parameter.
    """
    if not text.startswith(PREFIX):
        raise OpError(f"a process must start with {PREFIX!r}, got {text[:40]!r}.", op="", value=text)
    actions = text[len(PREFIX) :].split("/")
    if actions == [""]:
        raise OpError("image/ names no action.", op="", ec="0040-00000212")
    return [parse_action(action, strict=strict) for action in actions]


def parse_action(text: str, *, strict: bool = True) -> Op:
    """One ``name,k_v,…`` (or ``name,value``) action. Raises OpError."""
    name, *raw = text.split(",")
    cls = op_class(name)
    values = [v for v in raw if v != ""]  # OSS tolerates a trailing comma
    data: dict[str, str] = {}
    if cls.bare:
        if len(values) > 1:
            raise OpError(
                f"{name} takes one value, got {len(values)}: {','.join(values)}.",
                op=name, value=",".join(values), ec="0040-00000203",
            )  # fmt: skip
        if values:
            data[cls.bare] = values[0]
        return cls.build(data)
    for item in values:
        param, sep, value = item.partition("_")
        if not sep:
            raise OpError(f"{name}: parameter {item!r} is not key_value.", op=name, param=item, value=item)
        if param in cls.model_fields or strict:
            data[param] = value  # a repeated key overrides the earlier one (oss-img-spec §1.3)
    return cls.build(data)


def b64url(text: str) -> str:
    """URL-safe base64 without padding, as OSS documents for ``o_``, ``b_`` and watermark text."""
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode().rstrip("=")


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


def saveas(key: str, bucket: str | None = None) -> str:
    """``sys/saveas,o_<key>[,b_<bucket>]``: persist the result (oss-img-spec §5.1)."""
    suffix = f"sys/saveas,o_{b64url(key)}"
    return suffix + (f",b_{b64url(bucket)}" if bucket else "")


def process_with_saveas(chain: str, key: str, bucket: str | None = None) -> str:
    """The body ``process_object`` sends: ``<chain>|sys/saveas,…``."""
    return f"{chain}|{saveas(key, bucket)}"
