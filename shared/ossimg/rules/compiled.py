"""Rules ready to run: chains rendered, prefixes ordered; plain data, no pydantic.

Why a second form: validation needs pydantic once when rules load; matching and planning run per
event and need only strings, so they stay cheap and importable without the models.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompiledVariant:
    """A variant with its IMG chain already rendered."""

    name: str
    chain: str
    key_template: str
    bucket: str | None
    format: str | None  # the last ``format`` action's value, None to keep the source's


@dataclass(frozen=True)
class CompiledRule:
    """A prefix and its variants, in file order."""

    prefix: str
    variants: tuple[CompiledVariant, ...]


@dataclass(frozen=True)
class CompiledRules:
    """Every rule of one file, plus the digest that identifies this version of it."""

    rules: tuple[CompiledRule, ...]
    version: str
    source: str

    def match(self, key: str) -> CompiledRule | None:
        """The rule with the longest prefix of ``key``, or None."""
        best = None
        for rule in self.rules:
            if key.startswith(rule.prefix) and (best is None or len(rule.prefix) > len(best.prefix)):
                best = rule
        return best
