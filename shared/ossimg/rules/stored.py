"""Compiled rules kept on disk a prefix at a time, so a cold start reads only what it needs.

Why: an instance that loads every rule before its first event pays for the whole file, on every cold
start, however few rules that event needs. ``ossimg build`` writes ``<stem>.compiled/`` beside the
rule file: an index (the digest of the YAML it was made from, the version, the lengths of the rules'
prefixes and of their outputs' fixed starts) and one small JSON file per prefix and per output
start, named by a digest of it. Finding the rules for a key then costs one look-up per distinct
prefix length, each a file that exists or not, and reads only the files that do; whatever the
number of rules, the cost of a cold start is that of the rules the event touches. No pydantic and
no YAML parser are needed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from .compiled import (
    CompiledRule,
    CompiledRules,
    Output,
    RuleIndex,
    by_precedence,
    outputs_of,
    rule_doc,
    rule_from_doc,
)

FORMAT = 4  # 4: rules carry on_delete
INDEX = "index.json"


def compiled_path(path: Path) -> Path:
    """Where the compiled form of a rule file lives: ``<stem>.compiled/`` beside it."""
    return path.with_name(path.stem + ".compiled")


def write_compiled(rules: CompiledRules, source_text: bytes, folder: Path) -> None:
    """Write ``rules`` (made from ``source_text``) to ``folder``, replacing what was there."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "prefix").mkdir(parents=True)
    (folder / "output").mkdir()
    prefixes: dict[str, list[CompiledRule]] = {}
    outputs: dict[str, list[tuple[CompiledRule, str]]] = {}
    for rule in rules.rules:
        prefixes.setdefault(rule.prefix, []).append(rule)
        for literal, output in outputs_of(rule):
            outputs.setdefault(literal, []).append((rule, output.variant.name))
    for prefix, group in prefixes.items():
        _write(folder / "prefix" / _name(prefix), {"prefix": prefix, "rules": [rule_doc(r) for r in group]})
    for literal, made in outputs.items():
        docs = [{"rule": rule_doc(rule), "variant": name} for rule, name in made]
        _write(folder / "output" / _name(literal), {"literal": literal, "outputs": docs})
    _write(
        folder / INDEX,
        {
            "format": FORMAT,
            "source_sha256": hashlib.sha256(source_text).hexdigest(),
            "version": rules.version,
            "prefix_lengths": sorted({len(p) for p in prefixes}, reverse=True),
            "output_lengths": sorted({len(o) for o in outputs}, reverse=True),
        },
    )


def open_compiled(folder: Path, source_text: bytes, source: str) -> StoredRules | None:
    """The compiled rules in ``folder``, or None when there are none or they were made from other bytes."""
    try:
        index = json.loads((folder / INDEX).read_bytes())
    except (OSError, ValueError):
        return None
    if index.get("format") != FORMAT or index.get("source_sha256") != hashlib.sha256(source_text).hexdigest():
        return None
    return StoredRules(folder, index, source)


class StoredRules(RuleIndex):
    """Rules read from disk a prefix (and an output start) at a time, and kept once read."""

    def __init__(self, folder: Path, index: dict[str, Any], source: str) -> None:
        self.folder = folder
        self.version = str(index["version"])
        self.source = source
        self._prefix_lengths = tuple(index["prefix_lengths"])
        self._output_lengths = tuple(index["output_lengths"])
        self._rules: dict[str, tuple[CompiledRule, ...]] = {}
        self._outputs: dict[str, tuple[Output, ...]] = {}

    def __repr__(self) -> str:
        return f"StoredRules({str(self.folder)!r}, version={self.version!r})"

    def prefix_lengths(self) -> tuple[int, ...]:
        """See :class:`RuleIndex`."""
        return self._prefix_lengths

    def with_prefix(self, prefix: str) -> tuple[CompiledRule, ...]:
        """See :class:`RuleIndex`."""
        if prefix not in self._rules:
            doc = _read(self.folder / "prefix" / _name(prefix), "prefix", prefix)
            self._rules[prefix] = by_precedence([rule_from_doc(r) for r in doc["rules"]]) if doc else ()
        return self._rules[prefix]

    def output_lengths(self) -> tuple[int, ...]:
        """See :class:`RuleIndex`."""
        return self._output_lengths

    def outputs_under(self, literal: str) -> tuple[Output, ...]:
        """See :class:`RuleIndex`."""
        if literal not in self._outputs:
            doc = _read(self.folder / "output" / _name(literal), "literal", literal)
            found = []
            for item in doc["outputs"] if doc else ():
                rule = rule_from_doc(item["rule"])
                found += [o for lit, o in outputs_of(rule) if lit == literal and o.variant.name == item["variant"]]
            self._outputs[literal] = tuple(found)
        return self._outputs[literal]

    def all_rules(self) -> tuple[CompiledRule, ...]:
        """Every rule, in file order (for tools; the function never needs them all)."""
        docs = [doc for path in (self.folder / "prefix").iterdir() for doc in json.loads(path.read_bytes())["rules"]]
        return tuple(sorted((rule_from_doc(d) for d in docs), key=lambda r: r.order))


def _name(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24] + ".json"


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _read(path: Path, field: str, expected: str) -> dict[str, Any] | None:
    """The file for ``expected``, or None when there is none (a digest shared by another text is
    told apart by the text the file names)."""
    try:
        doc: dict[str, Any] = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    return doc if doc.get(field) == expected else None
