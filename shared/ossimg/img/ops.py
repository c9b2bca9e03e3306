"""One frozen model per OSS IMG action, validated against OSS's documented ranges.

Each model renders its canonical ``x-oss-process`` text (parameters in declaration order, unset
ones omitted) and is built back from that text by :mod:`ossimg.img.chain`, so
``parse(render(ops)) == ops``. The emulator parses requests with the same registry, so the rules a
user writes, the chains ossimg sends and what the local OSS accepts never drift apart.

Ranges and error codes (``ec``) come from OSS's IMG documentation (see ``oss-img-spec`` §3, §4.3).
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo

from ..errors import OpError

DOCS = "https://www.alibabacloud.com/help/en/oss/user-guide/"

Side = Annotated[int, Field(ge=1, le=16384)]
Percent = Annotated[int, Field(ge=1, le=100)]
Flag = Annotated[int, Field(ge=0, le=1)]
HexColor = Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{6}$", json_schema_extra={"allowed": "6 hex digits RRGGBB"})]
ImageFormat = Literal["jpg", "png", "webp", "bmp", "gif", "tiff", "heic", "avif"]


class Op(BaseModel):
    """Base of every IMG action.

    Class attributes: ``action`` (the name in the chain), ``bare`` (the field a single bare value
    fills, e.g. ``format,png``), ``ec`` (OSS error code per parameter, ``""`` for a missing one).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: ClassVar[str]
    bare: ClassVar[str | None] = None
    ec: ClassVar[dict[str, str]] = {}
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

    def render(self) -> str:
        """Canonical IMG text of this action, e.g. ``resize,m_lfit,w_200``."""
        parts = [self.action]
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            parts.append(str(value) if name == self.bare else f"{name}_{value}")
        return ",".join(parts)

    @classmethod
    def build(cls, data: Any) -> Op:
        """Validate ``data`` into this action. Raises OpError naming the parameter and its range."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise _op_error(cls, exc) from None

    @classmethod
    def allowed(cls, param: str) -> str:
        """Human description of the values ``param`` accepts."""
        return _describe(cls.model_fields[param])


def _op_error(cls: type[Op], exc: ValidationError) -> OpError:
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
            op=cls.action, param=param, value=value, allowed=known, ec="0040-00000213",
        )  # fmt: skip
    allowed = cls.allowed(param)
    if first["type"] == "missing":
        return OpError(
            f"{cls.action}: {param} is required ({allowed}).",
            op=cls.action, param=param, allowed=allowed, ec=cls.ec.get("") or cls.ec.get(param),
        )  # fmt: skip
    return OpError(
        f"{cls.action}: {param} must be {allowed}, got {value!r}. See {DOCS}{cls.doc}",
        op=cls.action, param=param, value=value, allowed=allowed, ec=cls.ec.get(param),
    )  # fmt: skip


def _describe(info: FieldInfo) -> str:
    low = high = None
    for meta in [*info.metadata, *_metadata(info.annotation)]:
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
    return "a value"


def _metadata(annotation: Any) -> list[Any]:
    """Constraint objects inside ``Annotated[...]`` members of an annotation such as ``Side | None``."""
    found = []
    for meta in getattr(annotation, "__metadata__", ()):
        found += [meta, *getattr(meta, "metadata", [])]
    for arg in typing.get_args(annotation):
        found += _metadata(arg)
    return found


def _literals(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    return [v for arg in typing.get_args(annotation) for v in _literals(arg)]


class Resize(Op):
    """``resize``: scale by width/height/long/short side or percentage, in one of five modes.

    Box rules when only one side is given, ``limit`` and rounding follow oss-img-spec §3.1.
    """

    action = "resize"
    doc = "resize-images-4"
    ec = {
        "m": "0040-00000311", "w": "0040-00000312", "h": "0040-00000313", "l": "0040-00000314",
        "s": "0040-00000315", "p": "0040-00000317", "": "0040-00000322",
    }  # fmt: skip

    m: Literal["lfit", "mfit", "fill", "pad", "fixed"] | None = None
    w: Side | None = None
    h: Side | None = None
    l: Side | None = None  # noqa: E741 - OSS's parameter name
    s: Side | None = None
    limit: Flag | None = None
    color: HexColor | None = None
    p: Annotated[int, Field(ge=1, le=1000)] | None = None

    @model_validator(mode="after")
    def _has_size(self) -> Resize:
        if all(v is None for v in (self.w, self.h, self.l, self.s, self.p)):
            raise ValueError("needs at least one of w, h, l, s or p.")
        return self


class Format(Op):
    """``format``: the output format; ``gif`` only keeps GIF sources GIF (oss-img-spec §3.9)."""

    action = "format"
    bare = "value"
    doc = "convert-image-formats-2"
    ec = {"value": "0040-00000206", "": "0040-00000207"}

    value: ImageFormat


class Quality(Op):
    """``quality``: ``q`` relative to the source's JPEG quality, ``Q`` absolute (§3.8)."""

    action = "quality"
    doc = "adjust-image-quality"
    ec = {"q": "0040-00000309", "Q": "0040-00000308", "": "0040-00000307"}

    q: Percent | None = None
    Q: Percent | None = None

    @model_validator(mode="after")
    def _has_value(self) -> Quality:
        if self.q is None and self.Q is None:
            raise ValueError("needs q (relative) or Q (absolute), 1 to 100.")
        return self


class Info(Op):
    """``info``: answer with the image's size, format and EXIF as JSON instead of pixels (§3.12)."""

    action = "info"
    doc = "query-image-information"


REGISTRY: dict[str, type[Op]] = {cls.action: cls for cls in (Resize, Format, Quality, Info)}


def op_class(action: str) -> type[Op]:
    """The model for ``action``. Raises OpError for an action OSS does not have."""
    try:
        return REGISTRY[action]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise OpError(
            f"unknown IMG action {action!r} (known: {known}).",
            op=action, value=action, allowed=known, ec="0040-00000213",
        ) from None  # fmt: skip


def output_format(ops: list[Op], source_format: str) -> str:
    """The format the last ``format`` action leaves, else the source's (GIF only stays GIF)."""
    fmt = source_format
    for op in ops:
        if isinstance(op, Format) and (op.value != "gif" or source_format == "gif"):
            fmt = op.value
    return fmt
