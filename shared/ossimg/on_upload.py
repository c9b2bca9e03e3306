"""The on-upload use case: parse the event, match rules, plan variants, run them, log, decide.

Every variant succeeds or fails on its own; the invocation raises only when a transient failure
remains, so FC's asynchronous retry runs it again (and lineage skips what is already done).
Malformed input is logged and not retried: retrying cannot fix it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from .claims import is_claim_key
from .errors import EventError, OssCallError, OssImgError
from .events import ObjectEvent, parse_event
from .logs import JsonLog
from .oss import OssClient
from .pipeline import FAILED_PERMANENT, FAILED_TRANSIENT, OK, UP_TO_DATE, Execution, VariantResult, run_plans
from .plan import PlanError, VariantPlan, plan_event
from .preflight import content_reason, static_reason, suffix_reason
from .retry import Backoff, Deadline
from .rules.compiled import CompiledRules
from .settings import Settings

DEFAULT_TIMEOUT = 60.0


class TransientFailure(OssImgError):
    """Raised at the end of an invocation in which some variant failed in a way a retry may fix."""

    code = "TransientFailure"

    def __init__(self, failed: list[VariantResult]) -> None:
        names = ", ".join(f"{r.rule}{r.variant} ({r.error_code})" for r in failed)
        super().__init__(f"{len(failed)} variant(s) failed transiently and will be retried: {names}.")
        self.failed = failed


class Summary:
    """What one invocation did, as logged in its summary line."""

    def __init__(self) -> None:
        self.records = 0
        self.skipped = 0
        self.invalid = 0
        self.results: list[VariantResult] = []

    def count(self, status: str) -> int:
        """How many variants ended with ``status``."""
        return sum(1 for r in self.results if r.status == status)

    def as_fields(self) -> dict[str, Any]:
        """The summary line's fields."""
        return {
            "records": self.records, "skipped": self.skipped, "invalid": self.invalid,
            "variants": len(self.results), "ok": self.count(OK), "up_to_date": self.count(UP_TO_DATE),
            "failed_transient": self.count(FAILED_TRANSIENT), "failed_permanent": self.count(FAILED_PERMANENT),
        }  # fmt: skip


class _Work(NamedTuple):
    record: ObjectEvent
    log: JsonLog
    plans: list[VariantPlan | PlanError]


def run(
    event: bytes | str, rules: CompiledRules, client: Callable[[], OssClient], log: JsonLog, *,
    deadline: Deadline | None = None, backoff: Backoff | None = None, workers: int = 8,
) -> Summary:  # fmt: skip
    """Process one FC event. Raises TransientFailure when a retry could still succeed."""
    started = time.perf_counter()
    summary = Summary()
    try:
        parsed = parse_event(event)
    except EventError as error:
        summary.invalid = 1
        log.error("invalid event", error_code=error.code, error_message=error.message, retry=False)
        log.info("summary", outcome="invalid-event", duration_ms=_ms(started), **summary.as_fields())
        return summary
    for bad in parsed.errors:
        summary.invalid += 1
        log.error("invalid record", record=bad.record, field=bad.field, error_message=bad.message, retry=False)
    summary.records = len(parsed.records)
    work = [w for w in (_decide(r, rules, log, summary) for r in parsed.records) if w is not None]
    if work:
        execution = Execution(client(), deadline or Deadline.after(DEFAULT_TIMEOUT), backoff or Backoff(),
                              workers, rules.version)  # fmt: skip
        _execute(execution, work, summary)
    transient = [r for r in summary.results if r.transient]
    log.info("summary", outcome=_outcome(summary, bool(transient)), rules_version=rules.version,
             duration_ms=_ms(started), **summary.as_fields())  # fmt: skip
    if transient:
        raise TransientFailure(transient)
    return summary


def _decide(record: ObjectEvent, rules: CompiledRules, log: JsonLog, summary: Summary) -> _Work | None:
    """The record's plans, or None after logging why it is skipped (all pure, no network)."""
    rlog = log.bind(bucket=record.bucket, key=record.key, event_name=record.event_name, record=record.position)
    reason, loop = None, False
    if not record.is_complete_upload:
        reason = f"{record.event_name} is not a completed upload"
    elif is_claim_key(record.key):
        reason = "the key is one of ossimg's own claim records"
    elif (output := rules.produced_by(record.bucket, record.key)) is not None:
        reason = (f"the key looks like the output of variant {output.variant.name!r} of rule {output.rule.label}; "
                  "processing it could loop")  # fmt: skip
        loop = True
    else:
        matched, plans = plan_event(record, rules)
        reason = "no rule matches the key" if not matched else static_reason(record)
        if reason is None:
            return _Work(record, rlog, plans)
    summary.skipped += 1
    # A key that looks like our own output means the trigger or the rules let a loop in: warn.
    (rlog.warning if loop else rlog.info)("record skipped", reason=reason)
    return None


def _execute(ex: Execution, work: list[_Work], summary: Summary) -> None:
    checks = ex.map(lambda w: _content_check(ex, w.record), work)
    live = []
    for item, check in zip(work, checks, strict=True):
        reason, etag, unread = check
        if unread is not None:
            # Usually a role without oss:GetObject on the source: say so, or it only shows as lost lineage.
            item.log.warning("pre-flight read failed; deciding without the object's bytes",
                             error_code=unread.code, error_message=unread.message)  # fmt: skip
        if reason is None:
            live.append(_with_etag(item, etag))
        else:
            summary.skipped += 1
            item.log.info("record skipped", reason=reason)
    plans = [p for item in live for p in item.plans]
    results = iter(run_plans(ex, plans))
    for item in live:
        for _ in item.plans:
            result = next(results)
            summary.results.append(result)
            _log_variant(item.log, result)


def _content_check(ex: Execution, record: ObjectEvent) -> tuple[str | None, str, OssCallError | None]:
    """Why the object cannot be processed (or None), its ETag as the read saw it, and the error
    when the object could not be read at all."""
    attempts, etag = [0], [""]

    def read(length: int) -> bytes:
        head, etag[0] = ex.call(lambda: ex.client.get_head(record.bucket, record.key, length), attempts)
        return head

    try:
        return content_reason(read), etag[0], None
    except OssCallError as exc:
        if exc.code == "NoSuchKey":
            return "the object no longer exists", "", None
        return suffix_reason(record.key), "", exc  # could not look: the key is all there is, else OSS IMG decides


def _with_etag(item: _Work, etag: str) -> _Work:
    """An event without an ETag gets the one the pre-flight read saw, so lineage still works."""
    if item.record.etag or not etag:
        return item
    plans = [p._replace(source_etag=etag) if isinstance(p, VariantPlan) else p for p in item.plans]
    return item._replace(plans=plans)


def _outcome(summary: Summary, transient: bool) -> str:
    if transient:
        return "retry"
    if summary.invalid and not summary.records:
        return "invalid-event"
    return "partial" if summary.count(FAILED_PERMANENT) or summary.invalid else "ok"


def _log_variant(log: JsonLog, result: VariantResult) -> None:
    fields: dict[str, Any] = {"rule": result.rule, "variant": result.variant, "status": result.status,
                              "duration_ms": result.duration_ms, "attempts": result.attempts}  # fmt: skip
    if result.plan is not None:
        fields |= {"target_bucket": result.plan.target_bucket, "target_key": result.plan.target_key}
    if result.status == OK:
        extra = {k: v for k, v in (("lineage_error", result.lineage_error), ("claim_error", result.claim_error)) if v}
        log.info("variant", file_size=result.file_size, **fields, **extra)
    elif result.status == UP_TO_DATE:
        log.info("variant", **fields)
    else:
        log.error("variant", error_code=result.error_code, error_message=result.error_message,
                  oss_request_id=result.request_id, **fields)  # fmt: skip


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


class Instance:
    """What an FC instance keeps between invocations: rules and the OSS client, built once."""

    def __init__(self, settings: Settings) -> None:
        from .rules_source import RulesSource

        self.settings = settings
        self._client: OssClient | None = None
        self.source = RulesSource(settings.rules, settings.code_dir, self.client, ttl=settings.rules_ttl)

    def rules(self, log: JsonLog) -> CompiledRules:
        """The current rules (loaded on first use; kept in OSS, revalidated by ETag)."""
        return self.source.get(log)

    def client(self) -> OssClient:
        """The OSS client, built (and oss2 imported) on first use."""
        if self._client is None:
            from .oss import Oss2Client

            s = self.settings
            self._client = Oss2Client(s.endpoint, s.region, s.credentials)
        return self._client


_current: list[Instance] = []


def instance(context: Any) -> Instance:
    """This process's Instance; rebuilt only when the settings change (e.g. rotated credentials)."""
    settings = Settings.from_runtime(context)
    if not _current or _current[0].settings != settings:
        _current[:] = [Instance(settings)]
    return _current[0]


def initialize(context: Any) -> None:
    """FC initializer: load and check the rules and build the client before the first event."""
    warm = instance(context)
    warm.rules(JsonLog(request_id=getattr(context, "request_id", ""), function="on_upload"))
    warm.client()


def deadline_of(context: Any) -> Deadline:
    """When this invocation must answer: FC's timeout for the function, less a safety margin."""
    timeout = float(getattr(getattr(context, "function", None), "timeout", 0) or DEFAULT_TIMEOUT)
    return Deadline.after(timeout - min(5.0, timeout * 0.1))


def handle(event: bytes | str, context: Any, stream: Any = None) -> str:
    """FC handler body: run the event and return its summary as JSON."""
    deadline = deadline_of(context)
    inst = instance(context)
    log = JsonLog(stream, request_id=getattr(context, "request_id", ""), function="on_upload")
    try:
        rules = inst.rules(log)
    except OssImgError as exc:
        # Without rules nothing can be decided: fail, so FC retries once the rules are fixed.
        log.error("rules unavailable", source=inst.settings.rules, error_code=exc.code, error_message=exc.message)
        raise
    summary = run(event, rules, inst.client, log, deadline=deadline)
    return json.dumps(summary.as_fields())
