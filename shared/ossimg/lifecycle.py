"""What ``on_delete: remove`` needs from a deployment, derived from the rules; pure.

A rule whose variants go when their source is deleted needs (a) OSS to tell the function about the
deletion: its trigger also subscribes to ``oss:ObjectRemoved:DeleteObject`` (DeleteObject) and
``oss:ObjectRemoved:DeleteObjects`` (DeleteMultipleObjects), FC's names for those events (FC's OSS
trigger event table); and (b) the role to delete them: ``oss:DeleteObject`` on each of its variants'
fixed key start, in its target bucket. What else the removal does is already granted for uploads:
a HEAD of the source (``oss:GetObject`` on the rule's prefix) and of each variant (``oss:GetObject``
on its key start). ``ossimg template`` derives triggers and role statements from these.
"""

from __future__ import annotations

from .rules.compiled import CompiledRule
from .rules.keys import literal_prefix

REMOVAL_TRIGGER_EVENTS = ("oss:ObjectRemoved:DeleteObject", "oss:ObjectRemoved:DeleteObjects")
# The same events as the function receives them: the payload's eventName has no ``oss:`` prefix.
REMOVAL_EVENTS = tuple(name.removeprefix("oss:") for name in REMOVAL_TRIGGER_EVENTS)


def removes(rule: CompiledRule) -> bool:
    """Does ``rule`` delete its variants when their source is deleted?"""
    return rule.on_delete == "remove"


def removal_sources(rules: tuple[CompiledRule, ...]) -> list[tuple[str | None, str]]:
    """``(bucket, prefix)`` of each rule whose deletions the function must hear of (bucket None: any)."""
    return list(dict.fromkeys((rule.bucket, rule.prefix) for rule in rules if removes(rule)))


def removal_targets(rules: tuple[CompiledRule, ...]) -> list[tuple[str | None, str]]:
    """``(bucket, key start)`` under which the function may delete variants: ``oss:DeleteObject`` on
    ``acs:oss:*:*:<bucket>/<key start>*``. A bucket of None is the source's own (the rule's ``bucket``)."""
    found = [
        (variant.bucket or rule.bucket, literal_prefix(variant.key_template))
        for rule in rules
        if removes(rule)
        for variant in rule.variants
    ]
    return list(dict.fromkeys(found))
