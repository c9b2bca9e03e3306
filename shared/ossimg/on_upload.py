"""The on-upload use case: parse the event, match rules, plan variants, run them, log, decide.

Every variant succeeds or fails on its own; the invocation raises only when a transient failure
remains, so FC's asynchronous retry runs it again. Malformed input is logged and not retried:
retrying cannot fix it, and FC would only deliver it three more times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import EventError, OssImgError
from .events import ObjectEvent, parse_event
from .logs import JsonLog
from .oss import OssClient
from .pipeline import FAILED_PERMANENT, FAILED_TRANSIENT, OK, VariantResult, run_plans
from .plan import plan_event
from .rules.compiled import CompiledRules
from .settings import Settings


class TransientFailure(OssImgError):
    """Raised at the end of an invocation in which some variant failed in a way a retry may fix."""

    code = "TransientFailure"

    def __init__(self, failed: list[VariantResult]) -> None:
        names = ", ".join(f"{r.rule}{r.variant} ({r.error_code})" for r in failed)
        super().__init__(f"{len(failed)} variant(s) failed transiently and will be retried: {names}.")
        self.failed = failed


@dataclass
class Summary:
    """What one invocation did, as logged in its summary line."""

    records: int = 0
    skipped: int = 0
    invalid: int = 0
    results: list[VariantResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many variants ended with ``status``."""
        return sum(1 for r in self.results if r.status == status)

    def as_fields(self) -> dict[str, Any]:
        """The summary line's fields."""
        return {
            "records": self.records, "skipped": self.skipped, "invalid": self.invalid,
            "variants": len(self.results), "ok": self.count(OK),
            "failed_transient": self.count(FAILED_TRANSIENT), "failed_permanent": self.count(FAILED_PERMANENT),
        }  # fmt: skip


def run(event: bytes | str, rules: CompiledRules, client: Callable[[], OssClient], log: JsonLog) -> Summary:
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
    for record in parsed.records:
        _run_record(record, rules, client, log, summary)
    transient = [r for r in summary.results if r.transient]
    outcome = _outcome(summary, bool(transient))
    log.info("summary", outcome=outcome, rules_version=rules.version, duration_ms=_ms(started), **summary.as_fields())
    if transient:
        raise TransientFailure(transient)
    return summary


def _outcome(summary: Summary, transient: bool) -> str:
    if transient:
        return "retry"
    if summary.invalid and not summary.records:
        return "invalid-event"
    return "partial" if summary.count(FAILED_PERMANENT) or summary.invalid else "ok"


def _run_record(
    record: ObjectEvent, rules: CompiledRules, client: Callable[[], OssClient], log: JsonLog, summary: Summary
) -> None:
    rlog = log.bind(bucket=record.bucket, key=record.key, event_name=record.event_name, record=record.index)
    if not record.is_complete_upload:
        summary.skipped += 1
        rlog.info("record skipped", reason=f"{record.event_name} is not a completed upload")
        return
    output = rules.produced_by(record.bucket, record.key)
    if output is not None:
        summary.skipped += 1
        rlog.warning("record skipped", reason=f"the key looks like the output of variant {output.variant.name!r} "
                     f"of rule {output.rule.label}; processing it could loop")  # fmt: skip
        return
    matched, plans = plan_event(record, rules)
    if not matched:
        summary.skipped += 1
        rlog.info("record skipped", reason="no rule matches the key")
        return
    for result in run_plans(client(), plans):
        summary.results.append(result)
        _log_variant(rlog, result)


def _log_variant(log: JsonLog, result: VariantResult) -> None:
    fields: dict[str, Any] = {"rule": result.rule, "variant": result.variant, "status": result.status,
                              "duration_ms": result.duration_ms}  # fmt: skip
    if result.plan is not None:
        fields |= {"target_bucket": result.plan.target_bucket, "target_key": result.plan.target_key}
    if result.status == OK:
        log.info("variant", file_size=result.file_size, **fields)
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


def handle(event: bytes | str, context: Any, stream: Any = None) -> str:
    """FC handler body: run the event and return its summary as JSON."""
    import json

    inst = instance(context)
    log = JsonLog(stream, request_id=getattr(context, "request_id", ""), function="on_upload")
    try:
        rules = inst.rules(log)
    except OssImgError as exc:
        # Without rules nothing can be decided: fail, so FC retries once the rules are fixed.
        log.error("rules unavailable", source=inst.settings.rules, error_code=exc.code, error_message=exc.message)
        raise
    summary = run(event, rules, inst.client, log)
    return json.dumps(summary.as_fields())
