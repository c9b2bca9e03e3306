"""``ossimg validate``, ``ossimg explain`` and ``ossimg schema``: rules checked offline, before deploy."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ossimg.errors import EventError, RuleFileError
from ossimg.events import ObjectEvent, ParsedEvent, parse_event
from ossimg.explain import explain_event, render_text
from ossimg.rules.compiled import CompiledRules
from ossimg.rules.load import load_rules

from .usererrors import UsageError


def validate(path: Path, as_json: bool) -> int:
    """Exit 0 when the rules are valid and safe, 1 with every problem listed otherwise."""
    try:
        rules = load_rules(path)
    except RuleFileError as exc:
        problems = [
            {"source": e.source, "line": e.line, "location": e.location, "message": e.detail} for e in exc.errors
        ]
        if as_json:
            print(json.dumps({"ok": False, "errors": problems}, indent=2, ensure_ascii=False))
        else:
            print(exc.message, file=sys.stderr)
        return 1
    variants = sum(len(r.variants) for r in rules.rules)
    if as_json:
        report = {"ok": True, "rules": len(rules.rules), "variants": variants, "version": rules.version}
        print(json.dumps(report, indent=2))
    else:
        print(f"{path}: OK, {len(rules.rules)} rules, {variants} variants (version {rules.version})")
    return 0


def explain(path: Path, target: str, bucket: str | None, as_json: bool, *, as_key: bool = False) -> int:
    """Print the plan for an event file, or for one key; exit 1 when the rules or the event are invalid.
    Raises UsageError for an event file that is not there, or a key whose bucket the rules leave open."""
    try:
        rules = load_rules(path)
    except RuleFileError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    try:
        parsed = _event(target, bucket, rules, as_key)
    except EventError as exc:
        # The function would reject the whole event: that is the plan.
        parsed = ParsedEvent(errors=[exc])
    report = explain_event(parsed, rules)
    print(json.dumps(report, indent=2, ensure_ascii=False) if as_json else _render(report))
    return 1 if report["invalid"] else 0


def _render(report: dict[str, Any]) -> str:
    """explain's text, with each unreadable record named by its index (or the whole event)."""
    lines = []
    for bad in report["invalid"]:
        where = "the event" if bad["record"] is None else f"record {bad['record']}"
        lines.append(f"{where}: INVALID: {bad['message']}")
    return "\n".join([render_text({**report, "invalid": []}), *(["", *lines] if lines else [])])


def compile_rules(path: Path, out: Path | None) -> int:
    """Validate the rules and write their compiled form, which the function loads without pydantic."""
    from ossimg.rules.stored import compiled_path, write_compiled

    try:
        rules = load_rules(path)
    except RuleFileError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    target = out or compiled_path(path)
    write_compiled(rules, path.read_bytes(), target)
    print(f"{path}: compiled to {target} (version {rules.version})")
    return 0


def schema() -> int:
    """Print the JSON Schema of rule files (for editor completion)."""
    print(json.dumps(rules_schema(), indent=2, ensure_ascii=False))
    return 0


def rules_schema() -> dict[str, Any]:
    """The JSON Schema of rule files, with a title and a stable id."""
    from ossimg.rules.model import OPS_DEF, OPS_MARK, RuleSet, ops_json_schema

    def link(node: Any) -> Any:
        if isinstance(node, dict):
            return {"$ref": f"#/$defs/{OPS_DEF}"} if node.get(OPS_MARK) else {k: link(v) for k, v in node.items()}
        return [link(v) for v in node] if isinstance(node, list) else node

    doc = link(RuleSet.model_json_schema())
    doc.setdefault("$defs", {})[OPS_DEF] = ops_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "ossimg rules", **doc}


# What makes a target an event file rather than a key, when no such file exists: say so, not guess.
PATH_STARTS = ("./", "../", "/", "~")


def _event(target: str, bucket: str | None, rules: CompiledRules, as_key: bool) -> ParsedEvent:
    path = Path(target)
    if not as_key and path.is_file():
        return parse_event(path.read_bytes())
    if not as_key and (target.lower().endswith(".json") or target.startswith(PATH_STARTS)):
        raise UsageError(
            f"no such event file: {target} (to explain an object key that looks like a file name, add --key)"
        )
    return ParsedEvent(records=[ObjectEvent("ObjectCreated:PutObject", bucket or _the_bucket(rules, target), target)])


def _the_bucket(rules: CompiledRules, key: str) -> str:
    """The one bucket the rules filter on, so a bare key explains as an upload there; else ask."""
    buckets = sorted({r.bucket for r in rules.rules if r.bucket})
    if len(buckets) == 1:
        return buckets[0]
    named = f"the rules name several buckets ({', '.join(buckets)})" if buckets else "the rules name no bucket"
    raise UsageError(f"{named}: say which one {key} is uploaded to with --bucket")
