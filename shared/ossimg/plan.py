"""What one uploaded object becomes: a list of variant plans; pure, and what ``explain`` prints."""

from __future__ import annotations

from typing import NamedTuple

from .events import ObjectEvent
from .img.formats import MIME, result_format
from .img.saveas import process_with_saveas
from .rules.compiled import CompiledRule, CompiledVariant, RuleIndex
from .rules.keys import key_parts, render_key


class VariantPlan(NamedTuple):
    """One IMG call to make: source, chain, and where OSS saves the result."""

    rule: str
    variant: str
    source_bucket: str
    source_key: str
    target_bucket: str
    target_key: str
    chain: str
    content_type: str = ""  # the saved object's type; "" when only OSS knows (bucket styles)

    @property
    def process(self) -> str:
        """The ``process_object`` body: the chain then ``|sys/saveas,o_…,b_…``."""
        return process_with_saveas(self.chain, self.target_key, self.target_bucket)


class PlanError(NamedTuple):
    """A variant that cannot be planned for this key (e.g. its template renders an invalid key)."""

    rule: str
    variant: str
    message: str


def plan_event(event: ObjectEvent, rules: RuleIndex) -> tuple[list[CompiledRule], list[VariantPlan | PlanError]]:
    """The rules that apply (empty when none does) and a plan or an error per variant."""
    matched = rules.match(event.key, event.bucket, event.content_type)
    return matched, [plan_variant(event, rule, v) for rule in matched for v in rule.variants]


def plan_variant(event: ObjectEvent, rule: CompiledRule, variant: CompiledVariant) -> VariantPlan | PlanError:
    """Plan one variant of ``rule`` for ``event``."""
    parts = key_parts(event.key)
    year, month, day = [*event.event_time[:10].split("-"), "", "", ""][:3]
    fmt = result_format(variant.format, parts["ext"], variant.before_gif)
    values = {
        **parts,
        "variant": variant.name,
        "format": fmt,
        "rule": rule.prefix,
        "bucket": event.bucket,
        "etag": (event.etag or "").lower(),
        "year": year,
        "month": month,
        "day": day,
    }
    try:
        target_key = render_key(variant.key_template, values)
    except ValueError as exc:
        return PlanError(rule.prefix, variant.name, f"output key: {exc}")
    return VariantPlan(
        rule=rule.prefix,
        variant=variant.name,
        source_bucket=event.bucket,
        source_key=event.key,
        target_bucket=variant.bucket or event.bucket,
        target_key=target_key,
        chain=variant.chain,
        content_type=_content_type(variant.chain, fmt),
    )


def _content_type(chain: str, fmt: str) -> str:
    """What the saved object is: JSON for info and average-hue, else the image's type."""
    if chain in ("image/info", "image/average-hue"):
        return "application/json"
    if chain.startswith("style/"):
        return ""  # a bucket style decides the format; the saved object says which
    return MIME.get(fmt, "application/octet-stream")
