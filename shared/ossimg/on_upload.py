"""The on-upload use case: parse the event, decide each record, run the pipeline, log, conclude.

Uploads become their variants (``ossimg.pipeline``); deleted sources lose theirs where a rule says
``on_delete: remove`` (``ossimg.removal``). Every record and variant succeeds or fails on its own; the
invocation raises only when a transient failure remains, so FC's asynchronous retry runs it again
(and lineage skips what is already done). Malformed input is logged and not retried: retrying
cannot fix it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from .decide import Decision, decide
from .errors import EventError, OssImgError
from .events import parse_event
from .logs import JsonLog
from .oss import OssClient
from .pipeline import Execution, RecordOutcome, Status, VariantResult, ms_since, run_decisions
from .removal import run_removals
from .retry import Backoff, Deadline
from .rules.compiled import RuleIndex

DEFAULT_TIMEOUT = 60.0
# Statuses that end a variant for good without an error.
DONE = (Status.OK, Status.UP_TO_DATE, Status.WOULD_MAKE, Status.REMOVED, Status.ALREADY_GONE, Status.KEPT)


class TransientFailure(OssImgError):
    """Raised at the end of an invocation in which some variant failed in a way a retry may fix."""

    code = "TransientFailure"

    def __init__(self, failed: list[VariantResult]) -> None:
        names = ", ".join(f"{r.rule}{r.variant} ({r.error_code})" for r in failed)
        super().__init__(f"{len(failed)} variant(s) failed transiently and will be retried: {names}.")
        self.failed = failed


class Summary(NamedTuple):
    """What one invocation did, computed from its results; what its summary line says."""

    records: int = 0
    skipped: int = 0
    invalid: int = 0
    results: tuple[VariantResult, ...] = ()

    @classmethod
    def of(cls, outcomes: Sequence[RecordOutcome], invalid: int) -> Summary:
        """The summary of the records' outcomes, plus ``invalid`` records that could not be read."""
        skipped = sum(1 for o in outcomes if o.skip is not None)
        return cls(len(outcomes), skipped, invalid, tuple(r for o in outcomes for r in o.variants))

    def count(self, status: Status) -> int:
        """How many variants ended with ``status``."""
        return sum(1 for r in self.results if r.status is status)

    @property
    def outcome(self) -> str:
        """``retry`` while a transient failure remains, ``invalid-event`` when nothing could be
        read, ``failed`` when nothing succeeded, ``partial`` when some things did, else ``ok``."""
        if any(r.transient for r in self.results):
            return "retry"
        if self.invalid and not self.records:
            return "invalid-event"
        if not (self.count(Status.FAILED_PERMANENT) or self.invalid):
            return "ok"
        done = sum(self.count(s) for s in DONE) + self.skipped
        return "partial" if done else "failed"

    def as_fields(self) -> dict[str, Any]:
        """The summary line's counts."""
        return {
            "records": self.records,
            "skipped": self.skipped,
            "invalid": self.invalid,
            "variants": len(self.results),
            "ok": self.count(Status.OK),
            "up_to_date": self.count(Status.UP_TO_DATE),
            "failed_transient": self.count(Status.FAILED_TRANSIENT),
            "failed_permanent": self.count(Status.FAILED_PERMANENT),
            "removed": self.count(Status.REMOVED),
            "already_gone": self.count(Status.ALREADY_GONE),
            "kept": self.count(Status.KEPT),
        }

    def by_variant(self) -> dict[str, dict[str, int]]:
        """Counts per ``<rule>#<variant>`` and status (what a backfill adds up across invocations)."""
        counts: dict[str, dict[str, int]] = {}
        for r in self.results:
            bucket = counts.setdefault(f"{r.rule}#{r.variant}", {})
            bucket[r.status.value] = bucket.get(r.status.value, 0) + 1
        return counts


def run(
    event: bytes | str,
    rules: RuleIndex,
    client: Callable[[], OssClient],
    log: JsonLog,
    *,
    deadline: Deadline | None = None,
    backoff: Backoff | None = None,
    workers: int = 8,
) -> Summary:
    """Process one FC event. Raises TransientFailure when a retry could still succeed."""
    started = time.perf_counter()
    try:
        parsed = parse_event(event)
    except EventError as error:
        log.error("invalid event", error_code=error.code, error_message=error.message, retry=False)
        summary = Summary(invalid=1)
        log.info("summary", outcome=summary.outcome, duration_ms=ms_since(started), **summary.as_fields())
        return summary
    for bad in parsed.errors:
        log.error("invalid record", record=bad.record, field=bad.field, error_message=bad.message, retry=False)
    decisions = [decide(record, rules) for record in parsed.records]
    if any(d.skip is None for d in decisions):  # only then is OSS needed (and oss2 imported)
        execution = Execution(
            client(), deadline or Deadline.after(DEFAULT_TIMEOUT), backoff or Backoff(), workers, rules.version
        )
        outcomes = run_all(execution, decisions)
    else:
        outcomes = [RecordOutcome(d, d.skip) for d in decisions]
    for outcome in outcomes:
        _log_record(log, outcome)
    summary = Summary.of(outcomes, invalid=len(parsed.errors))
    log.info(
        "summary",
        outcome=summary.outcome,
        rules_version=rules.version,
        duration_ms=ms_since(started),
        **summary.as_fields(),
    )
    transient = [r for r in summary.results if r.transient]
    if transient:
        raise TransientFailure(transient)
    return summary


def run_all(execution: Execution, decisions: list[Decision]) -> list[RecordOutcome]:
    """Uploads through the pipeline, deleted sources through the removal stage; outcomes in order."""
    made = iter(run_decisions(execution, [d for d in decisions if not d.removal]))
    gone = iter(run_removals(execution, [d for d in decisions if d.removal]))
    return [next(gone) if d.removal else next(made) for d in decisions]


def _log_record(log: JsonLog, outcome: RecordOutcome) -> None:
    record = outcome.decision.record
    rlog = log.bind(bucket=record.bucket, key=record.key, event_name=record.event_name, record=record.position)
    if outcome.unread is not None:
        # Usually a role without oss:GetObject on the source: say so, or it only shows as lost lineage.
        rlog.warning(
            "pre-flight read failed; deciding without the object's bytes",
            error_code=outcome.unread.code,
            error_message=outcome.unread.message,
        )
    if outcome.skip is not None:
        # A key that looks like our own output means the trigger or the rules let a loop in: warn.
        (rlog.warning if outcome.decision.loop else rlog.info)("record skipped", reason=outcome.skip)
    for result in outcome.variants:
        _log_variant(rlog, result)


def _log_variant(log: JsonLog, result: VariantResult) -> None:
    fields: dict[str, Any] = {
        "rule": result.rule,
        "variant": result.variant,
        "status": result.status.value,
        "duration_ms": result.duration_ms,
        "attempts": result.attempts,
    }
    if result.plan is not None:
        fields |= {"target_bucket": result.plan.target_bucket, "target_key": result.plan.target_key}
    if result.status is Status.OK:
        extra = {k: v for k, v in (("lineage_error", result.lineage_error), ("claim_error", result.claim_error)) if v}
        log.info("variant", file_size=result.file_size, **fields, **extra)
    elif result.status in DONE:
        log.info("variant", **fields, **({"reason": result.reason} if result.reason else {}))
    else:
        log.error(
            "variant",
            error_code=result.error_code,
            error_message=result.error_message,
            oss_request_id=result.request_id,
            **fields,
        )
