"""Rules ready to run: chains rendered, filters compiled, prefixes indexed; plain data, no pydantic.

Why a second form: validation needs pydantic once when rules load; matching and planning run per
event and need only strings, so they stay cheap and importable without the models.

Precedence, for a key: rules whose prefix is a prefix of the key, longest prefix first; among equal
prefixes, higher ``priority`` first, then file order. The first rule whose filters (suffix, glob,
content type, bucket) all pass applies; with ``stop: false`` the next matching ones apply too.
Finding the candidates costs one dictionary lookup per distinct prefix length, whatever the number
of rules (a prefix trie flattened into a hash per length).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import RuleError, RuleFileError
from .keys import literal_prefix
from .patterns import Glob, KeyPattern, output_pattern


class CompiledVariant(NamedTuple):
    """A variant with its IMG chain already rendered."""

    name: str
    chain: str
    key_template: str
    bucket: str | None
    format: str | None  # the last ``format`` action's value, None to keep the source's
    before_gif: str | None = None  # when ``format`` is gif: the last other format, for non-GIF sources

    @property
    def fixed_format(self) -> str | None:
        """The format of every output, or None when it depends on the source's format."""
        return self.format if self.format is not None and self.format != "gif" else None


class CompiledRule(NamedTuple):
    """A rule with its filters compiled."""

    prefix: str
    variants: tuple[CompiledVariant, ...]
    name: str | None = None
    priority: int = 0
    order: int = 0
    suffixes: tuple[str, ...] = ()
    glob: str | None = None
    content_types: tuple[str, ...] = ()
    bucket: str | None = None
    stop: bool = True
    glob_matcher: Glob | None = None
    on_delete: str = "keep"  # "remove": the variants go when their source is deleted

    @property
    def label(self) -> str:
        """How errors and logs name this rule: ``'uploads/'`` or ``'uploads/' (photos)``."""
        return f"{self.prefix!r}" + (f" ({self.name})" if self.name else "")

    def refusal(self, key: str, bucket: str, content_type: str | None, *, typed: bool = True) -> str | None:
        """Why this rule does not match (its prefix already does), or None when it does. With ``typed``
        False its content types are not looked at (a deletion tells no type)."""
        if self.bucket is not None and bucket != self.bucket:
            return f"bucket {bucket!r} is not {self.bucket!r}"
        if self.suffixes and not key.lower().endswith(self.suffixes):
            return f"key does not end with {' or '.join(self.suffixes)}"
        if self.glob_matcher is not None and not self.glob_matcher.fullmatch(key):
            return f"key does not match glob {self.glob!r}"
        if self.content_types and typed:
            kind = content_type or mimetypes.guess_type(key)[0]
            if kind is None or not any(type_matches(kind, pattern) for pattern in self.content_types):
                return f"content type {kind or 'unknown'} is not {' or '.join(self.content_types)}"
        return None


class Candidate(NamedTuple):
    """A rule whose prefix matches a key, and whether the rest of it did (for ``explain``)."""

    rule: CompiledRule
    applied: bool
    reason: str


class Output(NamedTuple):
    """Where one variant writes: a bucket (None: the uploaded object's) and a key pattern."""

    bucket: str | None
    pattern: KeyPattern
    rule: CompiledRule
    variant: CompiledVariant


class RuleIndex:
    """How rules are found for a key. The algorithms live here once; where the rules are kept (all in
    memory, or on disk and read a prefix at a time) is the subclass's business."""

    version: str
    source: str

    def prefix_lengths(self) -> tuple[int, ...]:
        """The distinct lengths of the rules' prefixes, longest first."""
        raise NotImplementedError

    def with_prefix(self, prefix: str) -> tuple[CompiledRule, ...]:
        """The rules declared for exactly ``prefix``, in precedence order."""
        raise NotImplementedError

    def output_lengths(self) -> tuple[int, ...]:
        """The distinct lengths of the variants' output prefixes, longest first."""
        raise NotImplementedError

    def outputs_under(self, literal: str) -> tuple[Output, ...]:
        """The variants whose output keys start with exactly ``literal``."""
        raise NotImplementedError

    def candidates(self, key: str) -> Iterator[CompiledRule]:
        """Rules whose prefix is a prefix of ``key``, in precedence order."""
        for length in self.prefix_lengths():
            if length <= len(key):
                yield from self.with_prefix(key[:length])

    def produced_by(self, bucket: str, key: str) -> Output | None:
        """The variant whose output ``bucket/key`` could be: the run-time guard against loops."""
        for length in self.output_lengths():
            for out in self.outputs_under(key[:length]) if length <= len(key) else ():
                if (out.bucket is None or out.bucket == bucket) and out.pattern.fullmatch(key):
                    return out
        return None

    def explain(self, key: str, bucket: str, content_type: str | None = None) -> list[Candidate]:
        """Every candidate and what became of it: applied, passed over, or not reached."""
        out, done = [], False
        for rule in self.candidates(key):
            if done:
                out.append(Candidate(rule, False, "not reached: an earlier rule matched and stops"))
                continue
            refusal = rule.refusal(key, bucket, content_type)
            if refusal is None:
                reason = "prefix, and every filter, match" + ("" if rule.stop else "; stop is false, so go on")
                out.append(Candidate(rule, True, reason))
                done = rule.stop
            else:
                out.append(Candidate(rule, False, refusal))
        return out

    def may_have_made(self, key: str, bucket: str) -> list[CompiledRule]:
        """Every rule that may have applied to ``key`` when it was uploaded, whatever its content type
        and whichever rule stopped the others then: what a deletion, which tells neither, considers."""
        return [rule for rule in self.candidates(key) if rule.refusal(key, bucket, None, typed=False) is None]

    def match(self, key: str, bucket: str = "", content_type: str | None = None) -> list[CompiledRule]:
        """The rules that apply to ``key``, in precedence order (empty when none does)."""
        applied = []
        for rule in self.candidates(key):
            if rule.refusal(key, bucket, content_type) is None:
                applied.append(rule)
                if rule.stop:
                    break
        return applied


def outputs_of(rule: CompiledRule) -> list[tuple[str, Output]]:
    """Each variant's output, with the fixed start every key it writes has."""
    found = []
    for variant in rule.variants:
        fixed = {"variant": variant.name, "rule": rule.prefix}
        if variant.fixed_format:
            fixed["format"] = variant.fixed_format
        output = Output(variant.bucket or rule.bucket, output_pattern(variant.key_template, fixed), rule, variant)
        found.append((literal_prefix(variant.key_template), output))
    return found


def by_precedence(rules: list[CompiledRule]) -> tuple[CompiledRule, ...]:
    """Rules of one prefix in the order they are tried: higher priority first, then file order."""
    return tuple(sorted(rules, key=lambda r: (-r.priority, r.order)))


class CompiledRules(RuleIndex):
    """Every rule of one file in memory, indexed by prefix, plus the digest that identifies this version."""

    def __init__(self, rules: tuple[CompiledRule, ...], version: str, source: str) -> None:
        self.rules = rules
        self.version = version
        self.source = source
        groups: dict[str, list[CompiledRule]] = {}
        for rule in rules:
            groups.setdefault(rule.prefix, []).append(rule)
        self._by_prefix = {p: by_precedence(g) for p, g in groups.items()}
        self._lengths = tuple(sorted({len(p) for p in self._by_prefix}, reverse=True))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompiledRules):
            return NotImplemented
        return (self.rules, self.version, self.source) == (other.rules, other.version, other.source)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CompiledRules({len(self.rules)} rules, version={self.version!r}, source={self.source!r})"

    def prefix_lengths(self) -> tuple[int, ...]:
        """See :class:`RuleIndex`."""
        return self._lengths

    def with_prefix(self, prefix: str) -> tuple[CompiledRule, ...]:
        """See :class:`RuleIndex`."""
        return self._by_prefix.get(prefix, ())

    @cached_property
    def _outputs(self) -> dict[str, tuple[Output, ...]]:
        index: dict[str, list[Output]] = {}
        for rule in self.rules:
            for literal, output in outputs_of(rule):
                index.setdefault(literal, []).append(output)
        return {literal: tuple(outputs) for literal, outputs in index.items()}

    def output_lengths(self) -> tuple[int, ...]:
        """See :class:`RuleIndex`."""
        return tuple(sorted({len(p) for p in self._outputs}, reverse=True))

    def outputs_under(self, literal: str) -> tuple[Output, ...]:
        """See :class:`RuleIndex`."""
        return self._outputs.get(literal, ())


def read_rule_file(path: Path) -> bytes:
    """A rule file's bytes. Raises RuleFileError naming the file when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RuleFileError([RuleError(f"cannot read the rule file ({exc.strerror}).", source=str(path))]) from None


def rule_doc(rule: CompiledRule) -> dict[str, Any]:
    """A JSON-ready form of one compiled rule."""
    doc = {k: v for k, v in rule._asdict().items() if k not in ("variants", "glob_matcher")}
    return {**doc, "variants": [v._asdict() for v in rule.variants]}


def rule_from_doc(doc: dict[str, Any]) -> CompiledRule:
    """Inverse of :func:`rule_doc`."""
    fields = {k: v for k, v in doc.items() if k != "variants"}
    fields |= {"suffixes": tuple(fields["suffixes"]), "content_types": tuple(fields["content_types"])}
    glob = fields.get("glob")
    variants = tuple(CompiledVariant(**v) for v in doc["variants"])
    return CompiledRule(**fields, variants=variants, glob_matcher=Glob.compile(glob) if glob else None)


def type_matches(kind: str, pattern: str) -> bool:
    """``image/png`` matches ``image/png`` and ``image/*``."""
    return kind == pattern or (pattern.endswith("/*") and kind.startswith(pattern[:-1]))
