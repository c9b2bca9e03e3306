"""RAM permission policies, evaluated as RAM evaluates them, for the local cloud.

A request is allowed when some statement allows its action on its resource and none denies it:
an explicit Deny wins, and what no statement mentions is denied (RAM "Policy structure and
syntax", "Policy elements"). ``Action`` / ``NotAction`` and ``Resource`` / ``NotResource`` take
``*`` and ``?`` wildcards; action names are matched without regard to case, resources exactly.

``Condition`` is not evaluated here: a statement that carries one is refused when the policy is
read, rather than silently granting (or denying) more than RAM would.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class PolicyError(ValueError):
    """A policy document the local cloud cannot read: names the statement and the field."""


class Decision(enum.Enum):
    """RAM's three outcomes: only ALLOW lets a request through."""

    ALLOW = "allow"
    EXPLICIT_DENY = "explicit-deny"
    IMPLICIT_DENY = "implicit-deny"


# System policies a template may name instead of writing a document (RAM console, "System policies").
SYSTEM_POLICIES: dict[str, dict[str, Any]] = {
    "AliyunOSSFullAccess": {"Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}]},
    "AliyunOSSReadOnlyAccess": {
        "Statement": [{"Effect": "Allow", "Action": ["oss:Get*", "oss:List*"], "Resource": "*"}]
    },
    "AliyunMNSFullAccess": {"Statement": [{"Effect": "Allow", "Action": "mns:*", "Resource": "*"}]},
    "AliyunLogFullAccess": {"Statement": [{"Effect": "Allow", "Action": "log:*", "Resource": "*"}]},
}


def wildcard_match(pattern: str, text: str) -> bool:
    """RAM's wildcards: ``*`` is any run of characters (``/`` and ``:`` included), ``?`` one character.

    Greedy with one back-track point, so the cost is at most len(pattern) * len(text), never exponential.
    """
    if "?" not in pattern:
        return _stars_match(pattern, text)
    p = t = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, t, p + 1
        elif p < len(pattern) and pattern[p] in ("?", text[t]):
            p, t = p + 1, t + 1
        elif star >= 0:
            mark += 1
            p, t = star + 1, mark
        else:
            return False
    return all(c == "*" for c in pattern[p:])


def _stars_match(pattern: str, text: str) -> bool:
    """:func:`wildcard_match` for a pattern with ``*`` only, every request's case: the literal runs
    between the stars found left to right with ``str.find`` (the leftmost place of each run is
    never worse for the runs after it), at C speed."""
    if "*" not in pattern:
        return pattern == text
    first, *middle, last = pattern.split("*")
    if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return False
    at, end = len(first), len(text) - len(last)
    for run in middle:
        found = text.find(run, at, end)
        if found < 0:
            return False
        at = found + len(run)
    return True


@dataclass(frozen=True)
class Statement:
    """One statement: its effect and what it covers (exactly one of each pair is set)."""

    allow: bool
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()

    def covers(self, action: str, resource: str) -> bool:
        """Does this statement speak about ``action`` on ``resource``?"""
        action = action.lower()
        if self.actions:
            acts = any(wildcard_match(a.lower(), action) for a in self.actions)
        else:
            acts = not any(wildcard_match(a.lower(), action) for a in self.not_actions)
        if self.resources:
            return acts and any(wildcard_match(r, resource) for r in self.resources)
        return acts and not any(wildcard_match(r, resource) for r in self.not_resources)


@dataclass(frozen=True)
class Policy:
    """The statements of every policy attached to one identity (a role, or a user)."""

    statements: tuple[Statement, ...]

    @classmethod
    def from_documents(cls, documents: Iterable[Mapping[str, Any] | str]) -> Policy:
        """Read policy documents (as in template.yml's ``Policies``) or system policy names.

        Raises PolicyError naming the policy, the statement and the field that is wrong.
        """
        statements: list[Statement] = []
        for n, document in enumerate(documents):
            if isinstance(document, str):
                if document not in SYSTEM_POLICIES:
                    known = ", ".join(sorted(SYSTEM_POLICIES))
                    raise PolicyError(f"policy {n}: unknown system policy {document!r} (the local cloud knows {known})")
                document = SYSTEM_POLICIES[document]
            if not isinstance(document, Mapping) or not isinstance(document.get("Statement"), list):
                raise PolicyError(f"policy {n}: expected a document with a Statement list")
            statements += (_statement(s, f"policy {n} statement {i}") for i, s in enumerate(document["Statement"]))
        return cls(tuple(statements))

    def decide(self, action: str, resource: str) -> Decision:
        """RAM's decision for ``action`` (``oss:GetObject``) on ``resource`` (``acs:oss:*:*:bucket/key``)."""
        allowed = False
        for statement in self.statements:
            if statement.covers(action, resource):
                if not statement.allow:
                    return Decision.EXPLICIT_DENY
                allowed = True
        return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY

    def allows(self, action: str, resource: str) -> bool:
        """True when RAM would let ``action`` on ``resource`` through."""
        return self.decide(action, resource) is Decision.ALLOW


def _statement(raw: Any, where: str) -> Statement:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: a statement must be a mapping")
    unknown = set(raw) - {"Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Sid"}
    if unknown:
        raise PolicyError(f"{where}: unknown element(s) {', '.join(sorted(unknown))}")
    if "Condition" in raw:
        raise PolicyError(f"{where}: Condition is not evaluated by the local cloud; remove it or test on Alibaba Cloud")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}: Effect must be Allow or Deny, got {effect!r}")
    actions, not_actions = _one_of(raw, "Action", "NotAction", where)
    resources, not_resources = _one_of(raw, "Resource", "NotResource", where)
    return Statement(effect == "Allow", actions, not_actions, resources, not_resources)


def _one_of(raw: Mapping[str, Any], name: str, negated: str, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if (name in raw) == (negated in raw):
        raise PolicyError(f"{where}: exactly one of {name} and {negated} is required")
    value = raw.get(name, raw.get(negated))
    values = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, list) else None
    if not values or not all(isinstance(v, str) and v for v in values):
        raise PolicyError(f"{where}: {name if name in raw else negated} must be a string or a list of strings")
    return (values, ()) if name in raw else ((), values)
