"""Safety checks when rules load; each refusal names the rule, the variant and what collides.

- a variant may not save into a bucket of another region: saveas cannot;
- two variants may not write the same key;
- no variant may write where a rule would match again: the output would be processed again, and
  again. A rule "could match" an output when the buckets can be the same, their prefixes overlap,
  and neither the suffix, the glob's fixed start nor the content type rules it out. The check is
  deliberately conservative: when it cannot prove two sets disjoint, it refuses.
"""

from __future__ import annotations

import bisect
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .compiled import CompiledRule, CompiledRules, CompiledVariant, type_matches
from .keys import literal_prefix

SOURCE = "(the uploaded object's bucket)"


@dataclass(frozen=True)
class Problem:
    """One refusal: where in the file, and why."""

    location: str
    message: str


def check_rules(rules: CompiledRules, region: str | None, regions: dict[str, str]) -> list[Problem]:
    """Every problem with ``rules`` (empty when they are safe)."""
    return [*_regions(rules, region, regions), *_duplicate_keys(rules), *_loops(rules)]


def where(rule: CompiledRule, variant: CompiledVariant | None = None) -> str:
    """The path of a rule (or a variant of it) in the file."""
    path = f"rules[{rule.prefix!r}]" + (f"[{rule.name}]" if rule.name else "")
    return path + (f".variants.{variant.name}" if variant else "")


def _regions(rules: CompiledRules, region: str | None, regions: dict[str, str]) -> Iterator[Problem]:
    for rule in rules.rules:
        source = regions.get(rule.bucket or "", region)
        for variant in rule.variants:
            if variant.bucket is None or source is None:
                continue
            target = regions.get(variant.bucket, region)
            if target is not None and target != source:
                yield Problem(
                    where(rule, variant) + ".bucket",
                    f"bucket {variant.bucket!r} is in {target} but rule {rule.label} reads from {source}: "
                    "sys/saveas only writes within the source's region",
                )


def _target(rule: CompiledRule, variant: CompiledVariant) -> str:
    return variant.bucket or rule.bucket or SOURCE


def _duplicate_keys(rules: CompiledRules) -> Iterator[Problem]:
    seen: dict[tuple[str, str], tuple[CompiledRule, CompiledVariant]] = {}
    for rule in rules.rules:
        for variant in rule.variants:
            slot = (_target(rule, variant), _shape(rule, variant))
            if slot in seen:
                first_rule, first = seen[slot]
                yield Problem(
                    where(rule, variant) + ".key",
                    f"writes the same keys ({variant.key_template!r} in {slot[0]}) as variant "
                    f"{first.name!r} of rule {first_rule.label}",
                )
            else:
                seen[slot] = (rule, variant)


def _shape(rule: CompiledRule, variant: CompiledVariant) -> str:
    """The template with what tells two variants' outputs apart filled in: its name, its rule's
    prefix, and the prefix that ``{key}`` (and ``{dir}``, for a folder prefix) always starts with."""
    shape = variant.key_template.replace("{variant}", variant.name).replace("{rule}", rule.prefix)
    shape = shape.replace("{key}", rule.prefix + "{key}")
    if rule.prefix.endswith("/"):
        shape = shape.replace("{dir}", rule.prefix.rstrip("/") + "{dir}")
    return shape


def _loops(rules: CompiledRules) -> Iterator[Problem]:
    prefixes = sorted({r.prefix for r in rules.rules})
    for rule in rules.rules:
        for variant in rule.variants:
            out_prefix = literal_prefix(variant.key_template)
            for other in _overlapping(rules, prefixes, out_prefix):
                if _could_match(other, rule, variant, out_prefix):
                    yield Problem(
                        where(rule, variant) + ".key",
                        f"writes keys under {out_prefix!r} in {_target(rule, variant)}, which rule {other.label} "
                        "would match again: each output would be processed again (a loop). Write to another "
                        "prefix or bucket, or narrow the rule with suffix, glob or content_type",
                    )
                    break


def _overlapping(rules: CompiledRules, prefixes: list[str], out_prefix: str) -> Iterator[CompiledRule]:
    """Rules whose prefix is a prefix of ``out_prefix``, then those whose prefix starts with it."""
    yield from rules.candidates(out_prefix)
    for prefix in prefixes[bisect.bisect_right(prefixes, out_prefix) :]:
        if not prefix.startswith(out_prefix):
            break
        yield from rules.with_prefix(prefix)


def _could_match(other: CompiledRule, rule: CompiledRule, variant: CompiledVariant, out_prefix: str) -> bool:
    target = variant.bucket or rule.bucket
    if other.bucket is not None and target is not None and other.bucket != target:
        return False
    ending = _ending(variant)
    if other.suffixes and ending is not None and not ending.lower().endswith(other.suffixes):
        return False
    if other.glob is not None:
        fixed = re.split(r"[*?]", other.glob, maxsplit=1)[0]
        if not (fixed.startswith(out_prefix) or out_prefix.startswith(fixed)):
            return False
    if other.content_types and ending is not None:
        kind = mimetypes.guess_type("x" + ending)[0]
        if kind is not None and not any(type_matches(kind, t) for t in other.content_types):
            return False
    return True


def _ending(variant: CompiledVariant) -> str | None:
    """The output key's known extension, e.g. ``.webp``, or None when it depends on the source."""
    template = variant.key_template
    if template.endswith(".{format}"):
        return "." + variant.fixed_format if variant.fixed_format else None
    tail = template.rsplit("}", 1)[-1]
    return tail[tail.rfind(".") :] if "." in tail else None
