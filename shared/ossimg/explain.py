"""``ossimg explain``: which rule matches an upload and why, and every variant's target and chain.

Pure: the function's own decision (:func:`ossimg.decide.decide`), with no network, rendered as data
for humans or JSON. What it cannot show is what the object's bytes decide (the pre-flight) and what
OSS answers.
"""

from __future__ import annotations

from typing import Any

from .decide import decide
from .events import ObjectEvent, ParsedEvent
from .plan import PlanError
from .rules.compiled import RuleIndex


def explain_event(parsed: ParsedEvent, rules: RuleIndex) -> dict[str, Any]:
    """The plan for every record of an event, and the records that could not be read."""
    return {
        "rules": rules.source,
        "rules_version": rules.version,
        "records": [explain_record(record, rules) for record in parsed.records],
        "invalid": [{"record": e.record, "field": e.field, "message": e.message} for e in parsed.errors],
    }


def explain_record(record: ObjectEvent, rules: RuleIndex) -> dict[str, Any]:
    """What the function would do with one record (before it reads the object's bytes)."""
    decision = decide(record, rules)
    return {
        "bucket": record.bucket,
        "key": record.key,
        "event_name": record.event_name,
        "candidates": [
            {"rule": c.rule.prefix, "name": c.rule.name, "applied": c.applied, "reason": c.reason}
            for c in rules.explain(record.key, record.bucket, record.content_type)
        ],
        "skipped": decision.skip,
        "variants": [] if decision.skip else [_variant(p) for p in decision.plans],
    }


def _variant(plan: Any) -> dict[str, Any]:
    if isinstance(plan, PlanError):
        return {"rule": plan.rule, "variant": plan.variant, "error": plan.message}
    return {
        "rule": plan.rule,
        "variant": plan.variant,
        "target_bucket": plan.target_bucket,
        "target_key": plan.target_key,
        "chain": plan.chain,
        "process": plan.process,
    }


def render_text(report: dict[str, Any]) -> str:
    """A readable plan."""
    lines = [f"rules: {report['rules']} (version {report['rules_version']})"]
    for bad in report["invalid"]:
        lines.append(f"\nrecord {bad['record']}: INVALID: {bad['message']}")
    for rec in report["records"]:
        lines.append(f"\n{rec['bucket']}/{rec['key']}  ({rec['event_name']})")
        for c in rec["candidates"]:
            mark = "applies" if c["applied"] else "passed over"
            name = f" [{c['name']}]" if c["name"] else ""
            lines.append(f"  rule {c['rule']!r}{name}: {mark}: {c['reason']}")
        if rec["skipped"]:
            lines.append(f"  skipped: {rec['skipped']}")
        for v in rec["variants"]:
            if "error" in v:
                lines.append(f"  - {v['variant']}: ERROR {v['error']}")
            else:
                lines.append(f"  - {v['variant']}: {v['target_bucket']}/{v['target_key']}")
                lines.append(f"      {v['chain']}")
    return "\n".join(lines)
