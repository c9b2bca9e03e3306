"""What the function does with one record, decided from the event and the rules alone; pure.

The function and ``ossimg explain`` both call :func:`decide`, so what explain prints is what the
function does up to the point where the object's own bytes are read (the pre-flight, a pipeline
stage) and OSS is called.
"""

from __future__ import annotations

from typing import NamedTuple

from .claims import is_claim_key
from .events import ObjectEvent
from .plan import PlanError, VariantPlan, plan_event
from .preflight import static_reason
from .rules.compiled import CompiledRule, RuleIndex


class Decision(NamedTuple):
    """The record, the rules that apply, and either its plans or why it is skipped."""

    record: ObjectEvent
    matched: tuple[CompiledRule, ...] = ()
    plans: tuple[VariantPlan | PlanError, ...] = ()
    skip: str | None = None
    loop: bool = False  # the skip is a loop warning: the key looks like one of our own outputs


def decide(record: ObjectEvent, rules: RuleIndex) -> Decision:
    """The decision for ``record``: skipped (with the reason) or planned."""
    if not record.is_complete_upload:
        return Decision(record, skip=f"{record.event_name} is not a completed upload")
    if is_claim_key(record.key):
        return Decision(record, skip="the key is one of ossimg's own claim records")
    output = rules.produced_by(record.bucket, record.key)
    if output is not None:
        reason = (f"the key looks like the output of variant {output.variant.name!r} of rule {output.rule.label}; "
                  "processing it could loop")  # fmt: skip
        return Decision(record, skip=reason, loop=True)
    matched, plans = plan_event(record, rules)
    if not matched:
        return Decision(record, skip="no rule matches the key")
    return Decision(record, tuple(matched), tuple(plans), static_reason(record))
