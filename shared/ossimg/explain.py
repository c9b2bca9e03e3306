"""``ossimg explain``: which rule matches an upload and why, and every variant's target and chain.

Pure: the same planning the function does, with no network, rendered as data for humans or JSON.
"""

from __future__ import annotations

from typing import Any

from .events import ObjectEvent, ParsedEvent
from .plan import PlanError, plan_event
from .rules.compiled import CompiledRules


def explain_event(parsed: ParsedEvent, rules: CompiledRules) -> dict[str, Any]:
    """The plan for every record of an event, and the records that could not be read."""
    return {
        "rules": rules.source,
        "rules_version": rules.version,
        "records": [explain_record(record, rules) for record in parsed.records],
        "invalid": [{"record": e.record, "field": e.field, "message": e.message} for e in parsed.errors],
    }


def explain_record(record: ObjectEvent, rules: CompiledRules) -> dict[str, Any]:
    """What the function would do with one record."""
    out: dict[str, Any] = {"bucket": record.bucket, "key": record.key, "event_name": record.event_name}
    out["candidates"] = [
        {"rule": c.rule.prefix, "name": c.rule.name, "applied": c.applied, "reason": c.reason}
        for c in rules.explain(record.key, record.bucket, record.content_type)
    ]
    skip = _skip_reason(record, rules)
    out["skipped"] = skip
    out["variants"] = [] if skip else [_variant(p) for p in plan_event(record, rules)[1]]
    return out


def _skip_reason(record: ObjectEvent, rules: CompiledRules) -> str | None:
    if not record.is_complete_upload:
        return f"{record.event_name} is not a completed upload"
    output = rules.produced_by(record.bucket, record.key)
    if output is not None:
        return f"the key looks like the output of variant {output.variant.name!r} of rule {output.rule.label}"
    if not rules.match(record.key, record.bucket, record.content_type):
        return "no rule matches the key"
    return None


def _variant(plan: Any) -> dict[str, Any]:
    if isinstance(plan, PlanError):
        return {"rule": plan.rule, "variant": plan.variant, "error": plan.message}
    return {
        "rule": plan.rule, "variant": plan.variant, "target_bucket": plan.target_bucket,
        "target_key": plan.target_key, "chain": plan.chain, "process": plan.process,
    }  # fmt: skip


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
