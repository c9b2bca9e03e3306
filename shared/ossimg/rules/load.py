"""Load a rule file (YAML) into validated, compiled rules; errors point at file, line and field."""

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
from ..img.ops import Format
from .compiled import CompiledRule, CompiledRules, CompiledVariant
from .model import RuleSet


def load_rules(path: str | Path) -> CompiledRules:
    """Read, validate and compile the rules in ``path``. Raises RuleFileError listing every problem."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise RuleFileError([RuleError(f"cannot read the rule file ({exc.strerror}).", source=str(path))]) from None
    return parse_rules(text, source=str(path))


def parse_rules(text: bytes, *, source: str) -> CompiledRules:
    """Validate and compile rule-file bytes; ``source`` names them in errors."""
    doc = _read_yaml(text, source)
    try:
        ruleset = RuleSet.model_validate(doc)
    except ValidationError as exc:
        raise RuleFileError([_rule_error(e, doc, source) for e in exc.errors()]) from None
    return compile_rules(ruleset, version=hashlib.sha256(text).hexdigest()[:16], source=source)


def compile_rules(ruleset: RuleSet, *, version: str, source: str) -> CompiledRules:
    """Render each variant's chain once."""
    rules = []
    for prefix, rule in ruleset.rules.items():
        variants = []
        for name, variant in rule.variants.items():
            formats = [op.value for op in variant.ops if isinstance(op, Format)]
            variants.append(
                CompiledVariant(
                    name, render(variant.ops), variant.key, variant.bucket, formats[-1] if formats else None
                )
            )
        rules.append(CompiledRule(prefix, tuple(variants)))
    return CompiledRules(tuple(rules), version, source)


def _read_yaml(text: bytes, source: str) -> Any:
    try:
        doc = YAML(typ="rt").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleFileError([RuleError(f"not valid YAML: {problem}.", source=source, line=line)]) from None
    if not isinstance(doc, dict):
        raise RuleFileError([RuleError("the file must be a mapping with 'version' and 'rules'.", source=source)])
    return doc


def _rule_error(error: Any, doc: Any, source: str) -> RuleError:
    loc = [p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field; remove it or check its spelling"
    elif error["type"] == "missing":
        message = "required field is missing"
    return RuleError(message.rstrip(".") + ".", source=source, location=_path(loc), line=_line(doc, loc))


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
