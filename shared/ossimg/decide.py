"""What the function does with one record, decided from the event and the rules alone; pure.

The function and ``ossimg explain`` both call :func:`decide`, so what explain prints is what the
function does up to the point where the object's own bytes are read (the pre-flight, a pipeline
stage) and OSS is called.

A completed upload is planned: the variants its rules name. A deleted object is planned too when a
rule whose key filters match it says ``on_delete: remove``: the variants to delete, found by rendering
their keys again from the deleted key (never by listing or guessing); the removal stage deletes only
those whose recorded source and variant prove they were made from it by that variant.
"""

from __future__ import annotations

from typing import NamedTuple

from .claims import is_claim_key
from .events import ObjectEvent
from .lifecycle import REMOVAL_EVENTS, removes
from .plan import PlanError, VariantPlan, plan_event, plan_variant
from .preflight import static_reason
from .rules.compiled import CompiledRule, RuleIndex


class Decision(NamedTuple):
    """The record, the rules that apply, and either its plans or why it is skipped."""

    record: ObjectEvent
    matched: tuple[CompiledRule, ...] = ()
    plans: tuple[VariantPlan | PlanError, ...] = ()
    skip: str | None = None
    loop: bool = False  # the skip is a loop warning: the key looks like one of our own outputs
    removal: bool = False  # the source was deleted: the plans name the variants to delete, not to make


def decide(record: ObjectEvent, rules: RuleIndex) -> Decision:
    """The decision for ``record``: skipped (with the reason) or planned."""
    # One object deleted, or one of a batch. AbortMultipartUpload is an ObjectRemoved event too, but no
    # object existed: it is not a removal.
    if record.event_name in REMOVAL_EVENTS:
        return _removal(record, rules)
    if not record.is_complete_upload:
        return Decision(record, skip=f"{record.event_name} is not a completed upload")
    if is_claim_key(record.key):
        return Decision(record, skip="the key is one of ossimg's own claim records")
    output = rules.produced_by(record.bucket, record.key)
    if output is not None:
        reason = (
            f"the key looks like the output of variant {output.variant.name!r} of rule {output.rule.label}; "
            "processing it could loop"
        )
        return Decision(record, skip=reason, loop=True)
    matched, plans = plan_event(record, rules)
    if not matched:
        return Decision(record, skip="no rule matches the key")
    return Decision(record, tuple(matched), tuple(plans), static_reason(record))


def _removal(record: ObjectEvent, rules: RuleIndex) -> Decision:
    if is_claim_key(record.key):
        return Decision(record, skip="the key is one of ossimg's own claim records", removal=True)
    output = rules.produced_by(record.bucket, record.key)
    if output is not None:  # our own deletions notify too; an output's removal asks for nothing
        reason = f"the deleted key looks like the output of variant {output.variant.name!r} of rule {output.rule.label}"
        return Decision(record, skip=reason, removal=True)
    # A delete event carries no content type, and which rules applied at upload depended on it: every
    # rule that may have made variants is considered; the removal stage deletes only what proves it
    # was made from this source by that very rule's variant.
    matched = rules.may_have_made(record.key, record.bucket)
    if not matched:
        return Decision(record, skip="no rule matches the key", removal=True)
    removing = [rule for rule in matched if removes(rule)]
    if not removing:
        labels = ", ".join(rule.label for rule in matched)
        reason = f"the source was deleted; rule {labels} keeps its variants (on_delete: keep)"
        return Decision(record, tuple(matched), skip=reason, removal=True)
    plans = tuple(plan_variant(record, rule, variant) for rule in removing for variant in rule.variants)
    return Decision(record, tuple(matched), plans, removal=True)
