"""Load a rule file (YAML) into validated, checked, compiled rules; errors point at file, line and field."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ..errors import RuleError, RuleFileError
from ..img.chain import render
from ..img.ops import Format, Op
from .bounds import TooDeep, check_text
from .checks import Problem, check_rules
from .compiled import CompiledRule, CompiledRules, CompiledVariant, read_rule_file
from .model import Rule, RuleSet
from .patterns import Glob


def load_rules(path: str | Path) -> CompiledRules:
    """Read, validate, check and compile the rules in ``path``. Raises RuleFileError listing every problem."""
    path = Path(path)
    return parse_rules(read_rule_file(path), source=str(path))


def parse_rules(text: bytes, *, source: str) -> CompiledRules:
    """Validate, check and compile rule-file bytes; ``source`` names them in errors."""
    try:
        check_text(text.decode("utf-8", "replace"))
    except TooDeep as exc:
        raise RuleFileError([RuleError(f"refused before parsing: {exc}.", source=source)]) from None
    doc = _read_yaml(text, source, "safe")
    ruleset, invalid = _validate(doc)
    problems: list[Problem] = []
    if ruleset is not None:  # the checks across rules run on every rule that validated
        rules, problems = compile_rules(ruleset, version=hashlib.sha256(text).hexdigest()[:16], source=source)
        problems += check_rules(rules, ruleset.region, ruleset.buckets)
    if invalid or problems:
        located = _read_yaml(text, source, "rt")
        errors = [_rule_error(e, located, source) for e in invalid] + [_problem(p, located, source) for p in problems]
        raise RuleFileError(sorted(errors, key=lambda e: (e.line or 0, e.location)))
    return rules


def _validate(doc: dict[str, Any]) -> tuple[RuleSet | None, list[Any]]:
    """The rule set, or the one made of the rules that validated (None when something outside the
    rules is wrong, or no rule is left), and every validation error."""
    try:
        return RuleSet.model_validate(doc), []
    except ValidationError as exc:
        errors = exc.errors()
    places = [e["loc"] for e in errors]
    if any(len(loc) < 2 or loc[0] != "rules" for loc in places):
        return None, errors
    # (prefix, index of the rule in its list), or (prefix, None) when the prefix's value itself is wrong
    bad = {(loc[1], loc[2] if len(loc) > 2 and isinstance(loc[2], int) else None) for loc in places}
    kept = {}
    for prefix, value in doc["rules"].items():
        items = [item for i, item in enumerate(value if isinstance(value, list) else [value]) if (prefix, i) not in bad]
        if (prefix, None) not in bad and items:
            kept[prefix] = items
    try:
        return (RuleSet.model_validate({**doc, "rules": kept}) if kept else None), errors
    except ValidationError:
        return None, errors


def compile_rules(ruleset: RuleSet, *, version: str, source: str) -> tuple[CompiledRules, list[Problem]]:
    """Resolve presets and render each variant's chain once; problems found on the way."""
    compiled, problems, seen = [], [], set()
    for order, (prefix, rule) in enumerate(ruleset.rule_list()):
        identity = (prefix, rule.name)
        path = f"rules[{prefix!r}]" + (f"[{rule.name}]" if rule.name else "")
        if identity in seen:
            problems.append(Problem(path, "two rules share this prefix without different names"))
        seen.add(identity)
        variants = []
        for name, variant in rule.variants.items():
            preset: list[Op] = []
            if variant.preset is not None:
                if variant.preset not in ruleset.presets:
                    known = ", ".join(sorted(ruleset.presets)) or "none"
                    problems.append(
                        Problem(f"{path}.variants.{name}.preset", f"no preset {variant.preset!r} (presets: {known})")
                    )
                preset = ruleset.presets.get(variant.preset, [])
            ops = [*preset, *variant.ops]
            formats = [op.value for op in ops if isinstance(op, Format)]
            others = [f for f in formats if f != "gif"]
            variants.append(
                CompiledVariant(
                    name,
                    render(ops),
                    variant.key,
                    variant.bucket,
                    formats[-1] if formats else None,
                    others[-1] if others and formats[-1] == "gif" else None,
                )
            )
        compiled.append(_compiled_rule(prefix, rule, order, tuple(variants)))
    return CompiledRules(tuple(compiled), version, source), problems


def _compiled_rule(prefix: str, rule: Rule, order: int, variants: tuple[CompiledVariant, ...]) -> CompiledRule:
    return CompiledRule(
        prefix=prefix,
        variants=variants,
        name=rule.name,
        priority=rule.priority,
        order=order,
        suffixes=tuple(s.lower() for s in rule.suffix),
        glob=rule.glob,
        content_types=tuple(rule.content_type),
        bucket=rule.bucket,
        stop=rule.stop,
        glob_matcher=Glob.compile(rule.glob) if rule.glob else None,
        on_delete=rule.on_delete,
    )


def _read_yaml(text: bytes, source: str, typ: str) -> Any:
    """``safe`` parses fast (libyaml, when ruamel.yaml.clib is installed); ``rt`` keeps line
    numbers, so it is only used to point at the problems a fast parse found."""
    try:
        doc = YAML(typ=typ).load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleFileError([RuleError(f"not valid YAML: {problem}.", source=source, line=line)]) from None
    except (ValueError, RecursionError) as exc:
        # Within the bounds, yet too much for a parser: an integer of thousands of digits, say.
        reason = str(exc).split(";")[0]
        raise RuleFileError([RuleError(f"cannot be read: {reason}.", source=source)]) from None
    if not isinstance(doc, dict):
        raise RuleFileError([RuleError("the file must be a mapping with 'version' and 'rules'.", source=source)])
    return doc


def _rule_error(error: Any, doc: Any, source: str) -> RuleError:
    loc = [p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    rules = doc.get("rules") if isinstance(doc.get("rules"), dict) else {}
    if len(loc) > 2 and loc[0] == "rules" and isinstance(loc[2], int) and isinstance(rules.get(loc[1]), dict):
        del loc[2]  # a single rule was written as a mapping: there is no [0] to point at
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field; remove it or check its spelling"
    elif error["type"] == "missing":
        message = "required field is missing"
    return RuleError(message.rstrip(".") + ".", source=source, location=_path(loc), line=_line(doc, loc))


def _problem(problem: Problem, doc: Any, source: str) -> RuleError:
    return RuleError(
        problem.message.rstrip(".") + ".",
        source=source,
        location=problem.location,
        line=_problem_line(doc, problem.location),
    )


def _path(loc: list[Any]) -> str:
    """``rules['uploads/'].variants.thumb.ops``: prefixes quoted, since they hold slashes."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i > 0 and loc[i - 1] == "rules":
            out += f"[{part!r}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _problem_line(doc: Any, location: str) -> int | None:
    """The line of ``rules['prefix'][name].variants.v.field`` in the YAML document."""
    head, _, rest = location.partition("']")
    prefix = head.removeprefix("rules['")
    node = (doc.get("rules") or {}).get(prefix)
    loc: list[Any] = ["rules", prefix]
    if rest.startswith("[") and isinstance(node, list):
        name, _, rest = rest[1:].partition("]")
        index = next((i for i, r in enumerate(node) if isinstance(r, dict) and r.get("name") == name), None)
        if index is not None:
            loc.append(index)
    loc += [p for p in rest.split(".") if p]
    return _line(doc, loc)


def _line(doc: Any, loc: list[Any]) -> int | None:
    """1-based line of the deepest part of ``loc`` the YAML document still has."""
    node, line = doc, None
    for part in loc:
        lc = getattr(node, "lc", None)
        try:
            child = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if lc is not None:
            with contextlib.suppress(KeyError, IndexError, TypeError):
                line = (lc.key(part) if isinstance(node, dict) else lc.item(part))[0] + 1
        node = child
    return line
