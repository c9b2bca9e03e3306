"""The rule file's schema, validated with pydantic; README "Rules" shows a full example.

Shape: ``rules`` maps a key prefix to one rule or a list of rules; each rule may narrow its match
(``suffix``, ``glob``, ``content_type``, ``bucket``), has a ``priority`` and ``stop``, and names
its variants. A variant is an ordered list of IMG operations (its own ``ops``, after a named
``preset``'s), an output ``key`` template and an optional target ``bucket``. ``region`` and
``buckets`` say where buckets live, so a saveas across regions is refused before deploy.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from ..errors import OpError
from ..img.chain import MAX_PROCESS_LENGTH, PREFIX, STYLE_PREFIX, check, parse, parse_action
from ..img.formats import READ_FORMATS, UNREADABLE_SUFFIXES, is_readable_type
from ..img.ops import Op, Style, op_class
from .keys import template_fields

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[a-z]{2}-[a-z0-9-]+$")
# Known only from the upload event, not from the key: a deleted object's variants cannot be found with them.
UPLOAD_PLACEHOLDERS = ("etag", "year", "month", "day")


class Strict(BaseModel):
    """Forbidding unknown keys turns a typo (``varaints:``) into an error instead of a silent no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True)


OPS_DEF = "Ops"
OPS_MARK = "x-ossimg-ops"


def ops_json_schema() -> dict[str, Any]:
    """JSON Schema of an ``ops`` value: a chain string, or a list of ``{action: parameters}``."""
    from ..img.ops import REGISTRY

    steps: list[dict[str, Any]] = [
        {
            "type": "object",
            "properties": {name: _inline(cls.model_json_schema())},
            "required": [name],
            "additionalProperties": False,
        }
        for name, cls in sorted(REGISTRY.items())
    ]
    steps.append({"type": "string", "description": "one action as OSS writes it, e.g. resize,w_200"})
    return {
        "anyOf": [
            {"type": "string", "description": "a whole chain, e.g. image/resize,w_200/format,webp or style/<name>"},
            {"type": "array", "items": {"anyOf": steps}},
        ]
    }


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """An action's schema; scalars are accepted for single-value actions (``format: webp``)."""
    props = schema.get("properties", {})
    if list(props) == ["value"] or list(props) == ["name"]:
        return {"anyOf": [next(iter(props.values())), schema], "description": schema.get("description", "")}
    return schema


def _ops_schema(schema: dict[str, Any]) -> None:
    """Mark where an ``ops`` value goes; ``ossimg schema`` points the marks at one shared definition."""
    schema.clear()
    schema[OPS_MARK] = True


def _presets_schema(schema: dict[str, Any]) -> None:
    """JSON Schema of ``presets``: each value is an ``ops`` list."""
    ops: dict[str, Any] = {}
    _ops_schema(ops)
    schema["additionalProperties"] = ops


def _op_item(item: Any) -> Op:
    """One operation, validated on its own: an error names its place in the list."""
    if isinstance(item, Op):
        return item
    op: Op = _wrap(lambda: _to_op(item))
    return op


OpItem = Annotated[Op, BeforeValidator(_op_item)]


class Variant(Strict):
    """One output: the IMG operations, where the result is saved, and under which key."""

    preset: str | None = Field(None, description="a name from presets; its operations come first")
    ops: list[OpItem] = Field(default_factory=list, json_schema_extra=_ops_schema)
    key: str = Field(min_length=1, description="output key template, e.g. thumbs/{dir}/{stem}.{format}")
    bucket: str | None = Field(None, description="target bucket; default: the uploaded object's bucket")

    @field_validator("ops", mode="before")
    @classmethod
    def _op_items(cls, value: Any) -> Any:
        return op_items(value)

    @field_validator("ops")
    @classmethod
    def _chain_rules(cls, value: list[Op]) -> list[Op]:
        return chain_checked(value)

    @field_validator("key")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        template_fields(value)
        return value

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, value: str | None) -> str | None:
        return _bucket(value)

    @model_validator(mode="after")
    def _has_ops(self) -> Variant:
        if not self.ops and self.preset is None:
            raise ValueError("a variant needs ops, a preset, or both.")
        return self


class Rule(Strict):
    """What uploads under one prefix become, optionally narrowed by suffix, glob, type and bucket."""

    name: str | None = Field(None, description="distinguishes rules that share a prefix")
    priority: int = Field(0, ge=-1_000_000, le=1_000_000, description="among rules with the same prefix, higher first")
    suffix: list[str] = Field(default_factory=list, description="any of these key endings (case-insensitive)")
    glob: str | None = Field(None, description="the whole key must match: * within a folder, ** across")
    content_type: list[str] = Field(default_factory=list, description="e.g. image/jpeg or image/*")
    bucket: str | None = Field(None, description="only uploads to this bucket")
    stop: bool = Field(True, description="false: less specific matching rules apply as well")
    on_delete: Literal["keep", "remove"] = Field(
        "keep", description="remove: when a source is deleted, delete the variants this rule made from it"
    )
    variants: dict[str, Variant] = Field(min_length=1)

    @field_validator("variants")
    @classmethod
    def _variant_names(cls, value: dict[str, Variant]) -> dict[str, Variant]:
        for name in value:
            _name(name, "variant")
        return value

    @field_validator("name")
    @classmethod
    def _rule_name(cls, value: str | None) -> str | None:
        return None if value is None else _name(value, "rule")

    @field_validator("suffix")
    @classmethod
    def _suffixes(cls, value: list[str]) -> list[str]:
        for item in value:
            extension = item.rsplit(".", 1)[-1].lower() if "." in item else ""
            if extension in UNREADABLE_SUFFIXES:
                raise ValueError(
                    f"suffix {item!r} names {UNREADABLE_SUFFIXES[extension]} files, which OSS IMG cannot read "
                    f"(it reads {READ_FORMATS}): such uploads would only ever be skipped."
                )
        return value

    @field_validator("content_type")
    @classmethod
    def _content_types(cls, value: list[str]) -> list[str]:
        for item in value:
            if not re.fullmatch(r"[a-z]+/([a-z0-9.+-]+|\*)", item):
                raise ValueError(f"{item!r} is not a content type such as image/jpeg or image/*.")
            if not is_readable_type(item):
                raise ValueError(f"content type {item!r} is not an image OSS IMG reads (it reads {READ_FORMATS}).")
        return value

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, value: str | None) -> str | None:
        return _bucket(value)

    @model_validator(mode="after")
    def _removable(self) -> Rule:
        """A deleted source's variants are found by rendering their keys again from the deleted key alone:
        a key that also depends on the upload (its ETag, its day) could not be found, only guessed."""
        if self.on_delete == "remove":
            for name, variant in self.variants.items():
                upload = sorted(set(template_fields(variant.key)) & set(UPLOAD_PLACEHOLDERS))
                if upload:
                    used = ", ".join("{" + p + "}" for p in upload)
                    raise ValueError(
                        f"on_delete: remove needs output keys the source key alone determines; variant {name!r} "
                        f"uses {used}, known only when the object was uploaded."
                    )
        return self


def _one_or_many_schema(schema: dict[str, Any]) -> None:
    """JSON Schema of ``rules`` values: one rule, or a list of rules."""
    many = schema["additionalProperties"]
    schema["additionalProperties"] = {"anyOf": [many["items"], many]}


class RuleSet(Strict):
    """A whole rule file."""

    version: Literal[1] = 1
    region: str | None = Field(None, description="region of the source buckets (and of targets by default)")
    buckets: dict[str, str] = Field(default_factory=dict, description="bucket -> region, for buckets elsewhere")
    presets: dict[str, list[OpItem]] = Field(default_factory=dict, json_schema_extra=_presets_schema)
    rules: dict[str, list[Rule]] = Field(
        min_length=1, description="prefix -> a rule, or a list of rules", json_schema_extra=_one_or_many_schema
    )

    @field_validator("rules", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """A prefix may hold one rule (a mapping) or several (a list)."""
        if isinstance(value, dict):
            return {k: v if isinstance(v, list) else [v] for k, v in value.items()}
        return value

    @field_validator("presets", mode="before")
    @classmethod
    def _preset_items(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("presets maps a name to a list of operations.")
        return {str(_name(str(k), "preset")): op_items(v) for k, v in value.items()}

    @field_validator("presets")
    @classmethod
    def _preset_chain_rules(cls, value: dict[str, list[Op]]) -> dict[str, list[Op]]:
        return {name: chain_checked(ops) for name, ops in value.items()}

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return None if value is None else _region(value)

    @field_validator("buckets")
    @classmethod
    def _bucket_regions(cls, value: dict[str, str]) -> dict[str, str]:
        for bucket, region in value.items():
            _bucket(bucket)
            _region(region)
        return value

    def rule_list(self) -> list[tuple[str, Rule]]:
        """Every (prefix, rule) in file order."""
        return [(p, r) for p, rules in self.rules.items() for r in rules]


def op_items(value: Any) -> Any:
    """An ``ops`` value as a list of items to validate one by one, so every bad operation is reported
    at its own place: a chain string is split into its actions (``style/…`` and malformed chains are
    one item, reported whole)."""
    if isinstance(value, str):
        body = value[len(PREFIX) :] if value.startswith(PREFIX) and len(value) <= MAX_PROCESS_LENGTH else ""
        return body.split("/") if body else [value]
    if not isinstance(value, list):
        raise ValueError("ops must be a list of operations or an image/… chain string.")
    return value


def chain_checked(ops: list[Op]) -> list[Op]:
    """The rules that span a chain (watermark count, what stands alone), once every item is valid."""
    _wrap(lambda: check(ops))
    return ops


def _to_op(item: Any) -> Op:
    if isinstance(item, str):
        return parse(item)[0] if item.startswith((STYLE_PREFIX, PREFIX)) else parse_action(item)
    if isinstance(item, dict) and len(item) == 1:
        ((action, params),) = item.items()
        return (Style if action == "style" else op_class(str(action))).build(params)
    raise ValueError("each operation is one {action: parameters} mapping, e.g. {resize: {w: 200}}.")


def _wrap(build: Any) -> Any:
    try:
        return build()
    except OpError as exc:
        raise ValueError(exc.message) from None


def _name(value: str, what: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"{what} name {value!r} must be 1-63 of A-Z a-z 0-9 _ . - .")
    return value


def _region(value: str) -> str:
    if not _REGION.match(value):
        raise ValueError(f"{value!r} is not a region id such as cn-hangzhou.")
    return value


def _bucket(value: str | None) -> str | None:
    if value is not None and not _BUCKET.match(value):
        raise ValueError(f"{value!r} is not an OSS bucket name (3-63 of a-z, 0-9, '-').")
    return value
