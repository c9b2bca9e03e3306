"""The base of every IMG action model: strict validation, canonical rendering, errors with a where.

Parameters OSS carries as URL-safe base64 (watermark ``text``, ``type``, ``image``) are plain text in
the model, so rule files stay readable; :meth:`Op.render` encodes them and the chain parser decodes.
"""

from __future__ import annotations

import functools
import re
import typing
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.fields import FieldInfo

from ..errors import OpError
from .saveas import b64url

DOCS = "https://www.alibabacloud.com/help/en/oss/user-guide/"

Side = Annotated[int, Field(ge=1, le=16384)]
Percent = Annotated[int, Field(ge=1, le=100)]
Flag = Annotated[int, Field(ge=0, le=1)]
Margin = Annotated[int, Field(ge=0, le=4096)]
Degrees = Annotated[int, Field(ge=0, le=360)]
HexColor = Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{6}$", json_schema_extra={"allowed": "6 hex digits RRGGBB"})]
# How OSS writes a number in a chain: plain decimal digits, a minus sign where negatives exist. Not
# Python's readings of int(): "1_0", "+10", " 10", "10.0" and thousands of digits are all refused.
PLAIN_INTEGER = re.compile(r"-?[0-9]{1,9}")
Gravity = Literal["nw", "north", "ne", "west", "center", "east", "sw", "south", "se"]


class Op(BaseModel):
    """Base of every IMG action.

    Class attributes: ``action`` (the name in the chain), ``bare`` (the field a single bare value
    fills, e.g. ``format,png``), ``ec`` (OSS error code per parameter; ``""`` when nothing usable is
    given), ``encoded`` (fields sent as URL-safe base64), ``doc`` (the OSS documentation page).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: ClassVar[str]
    bare: ClassVar[str | None] = None
    ec: ClassVar[dict[str, str]] = {}
    encoded: ClassVar[frozenset[str]] = frozenset()
    doc: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: Any) -> Any:
        """Accept ``format: webp`` for bare-value actions and ``info:`` with no parameters."""
        if data is None:
            return {}
        if cls.bare and not isinstance(data, dict):
            return {cls.bare: data}
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _plain_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """Integers are whole numbers, or text of plain digits; never a float or Python's looser forms."""
        if info.field_name not in cls.integer_fields():
            return value
        if isinstance(value, (bool, float)) or (isinstance(value, str) and not PLAIN_INTEGER.fullmatch(value)):
            raise ValueError(f"must be a whole number written in plain digits, got {value!r}.")
        return value

    @classmethod
    @functools.cache
    def integer_fields(cls) -> frozenset[str]:
        """The parameters that hold integers."""
        return frozenset(name for name, info in cls.model_fields.items() if _holds_int(info.annotation))

    def render(self) -> str:
        """Canonical IMG text of this action, e.g. ``resize,m_lfit,w_200``."""
        parts = [self.action]
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            text = b64url(str(value)) if name in self.encoded else str(value)
            parts.append(text if name == self.bare else f"{name}_{text}")
        return ",".join(parts)

    @classmethod
    def build(cls, data: Any) -> Op:
        """Validate ``data`` into this action. Raises OpError naming the parameter and its range."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise op_error(cls, exc) from None

    @classmethod
    def allowed(cls, param: str) -> str:
        """Human description of the values ``param`` accepts."""
        return _describe(cls.model_fields[param])


def op_error(cls: type[Op], exc: ValidationError) -> OpError:
    """The OpError for the first problem pydantic found in an action's parameters."""
    first = exc.errors()[0]
    loc = [str(p) for p in first["loc"] if not str(p).startswith("function-")]
    if not loc:
        message = str(first["msg"]).removeprefix("Value error, ")
        return OpError(f"{cls.action}: {message} See {DOCS}{cls.doc}", op=cls.action, ec=cls.ec.get(""))
    param = loc[0]
    value = first.get("input")
    if first["type"] == "extra_forbidden":
        known = ", ".join(cls.model_fields) or "none"
        return OpError(
            f"{cls.action}: unknown parameter {param!r} (parameters: {known}).",
            op=cls.action,
            param=param,
            value=value,
            allowed=known,
        )
    allowed = cls.allowed(param)
    if first["type"] == "missing":
        return OpError(
            f"{cls.action}: {param} is required ({allowed}).",
            op=cls.action,
            param=param,
            allowed=allowed,
            ec=cls.ec.get("") or cls.ec.get(param),
        )
    if first["type"] == "value_error":
        reason = str(first["msg"]).removeprefix("Value error, ")
        # A validator may raise a ValueError that carries OSS's EC for this very mistake.
        ec = getattr(first.get("ctx", {}).get("error"), "ec", None) or cls.ec.get(param)
        return OpError(
            f"{cls.action}: {param} {reason}", op=cls.action, param=param, value=value, allowed=allowed, ec=ec
        )
    return OpError(
        f"{cls.action}: {param} must be {allowed}, got {value!r}. See {DOCS}{cls.doc}",
        op=cls.action,
        param=param,
        value=value,
        allowed=allowed,
        ec=cls.ec.get(param),
    )


def _describe(info: FieldInfo) -> str:
    low = high = None
    for meta in [info, *info.metadata, *_metadata(info.annotation)]:
        low = getattr(meta, "ge", low)
        high = getattr(meta, "le", high)
        extra = getattr(meta, "json_schema_extra", None)
        if isinstance(extra, dict) and "allowed" in extra:
            return str(extra["allowed"])
    if low is not None and high is not None:
        return f"an integer in [{low}, {high}]"
    literals = _literals(info.annotation)
    if literals:
        return "one of " + ", ".join(str(v) for v in literals)
    return "text"


def _metadata(annotation: Any) -> list[Any]:
    """Constraint objects inside ``Annotated[...]`` members of an annotation such as ``Side | None``."""
    found = []
    for meta in getattr(annotation, "__metadata__", ()):
        found += [meta, *getattr(meta, "metadata", [])]
    for arg in typing.get_args(annotation):
        found += _metadata(arg)
    return found


def _holds_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    return any(_holds_int(arg) for arg in typing.get_args(annotation))


def _literals(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    return [v for arg in typing.get_args(annotation) for v in _literals(arg)]
