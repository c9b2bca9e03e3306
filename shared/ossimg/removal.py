"""The removal stage: a deleted source's variants, deleted when a rule says ``on_delete: remove``.

Exact, never by guessing: the decision names the keys the source's variants are written to (their
templates rendered again from the deleted key); each one is deleted only if the object there records
that it was made from this very source by that very variant (``ossimg-source`` and ``ossimg-variant``,
written with the lineage). Anything else at that key (a file someone put there, an output of another
source or of another rule's variant) is kept, and the line says why.

Idempotent: a redelivered event finds the variants already gone. A source uploaded again after the
delete, before this runs, keeps its variants: the stage checks the source is still absent first (a
new upload's own event then makes or confirms them).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from .decide import Decision
from .errors import OssCallError
from .lineage import made_from, source_of, variant_of
from .pipeline import Execution, RecordOutcome, Status, VariantResult, ms_since
from .plan import PlanError, VariantPlan


def run_removals(ex: Execution, decisions: Sequence[Decision]) -> list[RecordOutcome]:
    """Delete the proven variants of every deleted source; one outcome per decision, in order."""
    checks = ex.map(lambda d: _source_back(ex, d) if d.skip is None else d.skip, decisions)
    work = [
        (index, plan)
        for index, (d, check) in enumerate(zip(decisions, checks, strict=True))
        if check is None
        for plan in d.plans
    ]
    results = ex.map(lambda item: _remove_one(ex, item[1]), work)
    done: list[list[VariantResult]] = [[] for _ in decisions]
    for (index, _), result in zip(work, results, strict=True):
        done[index].append(result)
    return [
        RecordOutcome(d, check, None, tuple(variants))
        for d, check, variants in zip(decisions, checks, done, strict=True)
    ]


def _source_back(ex: Execution, decision: Decision) -> str | None:
    """Why to leave the variants alone: the source exists again (uploaded after the delete)."""
    record = decision.record
    try:
        again = ex.call(lambda: ex.client.stat(record.bucket, record.key), [0])
    except OssCallError:
        return None  # cannot tell: each variant is still checked against its recorded source
    if again is not None:
        return "the object exists again (uploaded after the delete): its variants stay"
    return None


def _remove_one(ex: Execution, plan: VariantPlan | PlanError) -> VariantResult:
    if isinstance(plan, PlanError):
        return VariantResult.unplanned(plan)
    started = time.perf_counter()
    try:
        found = ex.call(lambda: ex.client.stat(plan.target_bucket, plan.target_key), [0])
        if found is None:
            return VariantResult(plan.rule, plan.variant, Status.ALREADY_GONE, ms_since(started), plan)
        if not made_from(found.meta, plan.source_bucket, plan.source_key):
            return VariantResult(
                plan.rule, plan.variant, Status.KEPT, ms_since(started), plan, reason=_not_proven(found.meta)
            )
        made_by = variant_of(found.meta)
        if made_by != f"{plan.rule}#{plan.variant}":
            reason = f"the object there was made by variant {made_by or 'unknown'}, which this rule does not remove"
            return VariantResult(plan.rule, plan.variant, Status.KEPT, ms_since(started), plan, reason=reason)
        ex.call(lambda: ex.client.delete_object(plan.target_bucket, plan.target_key), [0])
    except OssCallError as exc:
        return VariantResult.failed(plan, exc, started)
    return VariantResult(plan.rule, plan.variant, Status.REMOVED, ms_since(started), plan)


def _not_proven(meta: dict[str, str]) -> str:
    recorded = source_of(meta)
    if recorded is None:
        return "the object there records no source: it was not made by ossimg, or before sources were recorded"
    return f"the object there was made from {recorded[0]}/{recorded[1]}, not from the deleted object"
