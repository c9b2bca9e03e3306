"""The rule file's schema: prefix -> rule -> named variants -> operations, key template, bucket.

Example::

    version: 1
    rules:
      uploads/:                      # applies to keys under uploads/ (the longest prefix wins)
        variants:
          thumb:
            ops:                     # OSS IMG actions, in order
              - resize: {m: fill, w: 200, h: 200}
              - format: webp
            key: "thumbs/{stem}.{format}"
            bucket: my-thumbs        # optional; default: the uploaded object's bucket
          info-chain:
            ops: "image/resize,l_1024/quality,q_80"   # or a chain, as OSS writes it
            key: "large/{name}"
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import OpError
from ..img.chain import check, parse, parse_action
from ..img.ops import Op, Style, op_class
from .keys import template_fields

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


class Strict(BaseModel):
    """Forbidding unknown keys turns a typo (``varaints:``) into an error instead of a silent no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Variant(Strict):
    """One output: the IMG operations, where the result is saved, and under which key."""

    ops: list[Op] = Field(min_length=1)
    key: str = Field(min_length=1)
    bucket: str | None = None

    @field_validator("ops", mode="before")
    @classmethod
    def _build_ops(cls, value: Any) -> list[Op]:
        return to_ops(value)

    @field_validator("key")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        template_fields(value)
        return value

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, value: str | None) -> str | None:
        if value is not None and not _BUCKET.match(value):
            raise ValueError(f"{value!r} is not an OSS bucket name (3-63 of a-z, 0-9, '-').")
        return value


class Rule(Strict):
    """What uploads under one prefix become."""

    variants: dict[str, Variant] = Field(min_length=1)

    @field_validator("variants")
    @classmethod
    def _variant_names(cls, value: dict[str, Variant]) -> dict[str, Variant]:
        for name in value:
            if not _NAME.match(name):
                raise ValueError(f"variant name {name!r} must be 1-63 of A-Z a-z 0-9 _ . - .")
        return value


class RuleSet(Strict):
    """A whole rule file."""

    version: Literal[1] = 1
    rules: dict[str, Rule] = Field(min_length=1)


def to_ops(value: Any) -> list[Op]:
    """Operations from a chain string or a list of ``{action: params}`` / ``"action,k_v"`` items."""
    if isinstance(value, str):
        ops: list[Op] = _wrap(lambda: parse(value), "ops")
        return ops
    if not isinstance(value, list):
        raise ValueError("ops must be a list of operations or an image/… chain string.")
    ops = [_wrap(lambda item=item: _to_op(item), f"ops[{i}]") for i, item in enumerate(value)]
    _wrap(lambda: check(ops), "ops")
    return ops


def _to_op(item: Any) -> Op:
    if isinstance(item, str):
        return parse_action(item)
    if isinstance(item, dict) and len(item) == 1:
        ((action, params),) = item.items()
        return (Style if action == "style" else op_class(str(action))).build(params)
    raise ValueError("each operation is one {action: parameters} mapping, e.g. {resize: {w: 200}}.")


def _wrap(build: Any, where: str) -> Any:
    try:
        return build()
    except OpError as exc:
        raise ValueError(f"{where}: {exc.message}") from None
