"""Run variant plans through an OssClient, concurrently and bounded, each ending in its own result.

Per variant: skip it when its output already records this source version and variant (lineage),
else claim it (so a duplicate delivery running at the same time waits instead of repeating it),
run the IMG call, record the lineage and release the claim. Transient failures are retried with backoff inside
the invocation's deadline; permanent ones are not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, TypeVar

from . import claims
from .errors import OssCallError
from .lineage import LINEAGE, RULES, is_current, lineage
from .oss import OssClient
from .plan import PlanError, VariantPlan
from .retry import Backoff, Deadline

T = TypeVar("T")
R = TypeVar("R")
OK, UP_TO_DATE = "ok", "up-to-date"
FAILED_TRANSIENT, FAILED_PERMANENT = "failed-transient", "failed-permanent"
DEFAULT_WORKERS = 8


class VariantResult(NamedTuple):
    """How one variant ended: ``ok`` with the saved size, ``up-to-date``, or failed with OSS's code."""

    rule: str
    variant: str
    status: str
    duration_ms: float
    plan: VariantPlan | None = None
    file_size: int | None = None
    error_code: str = ""
    error_message: str = ""
    request_id: str = ""
    attempts: int = 0
    lineage_error: str = ""
    claim_error: str = ""

    @property
    def transient(self) -> bool:
        """A failure that a later retry of the invocation may fix."""
        return self.status == FAILED_TRANSIENT


class Execution:
    """How to run plans: the client, the deadline, retries, parallelism and the rules version."""

    def __init__(
        self, client: OssClient, deadline: Deadline, backoff: Backoff | None = None, workers: int = DEFAULT_WORKERS,
        rules_version: str = "",
    ) -> None:  # fmt: skip
        self.client = client
        self.deadline = deadline
        self.backoff = backoff or Backoff()
        self.workers = workers
        self.rules_version = rules_version

    def map(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``work`` over ``items`` on at most ``workers`` threads, results in input order."""
        if len(items) <= 1:
            return [work(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            return list(pool.map(work, items))

    def call(self, call: Callable[[], T], attempts: list[int]) -> T:
        """``call`` retried on transient errors while tries and time are left."""
        attempt = 0
        while True:
            attempts[0] += 1
            try:
                return call()
            except OssCallError as exc:
                if not exc.transient or not self.backoff.retry(attempt, self.deadline):
                    raise
                attempt += 1


def run_plans(execution: Execution, plans: Sequence[VariantPlan | PlanError]) -> list[VariantResult]:
    """Execute each plan; a failure of one never stops the others."""
    return execution.map(lambda p: _run_one(execution, p), plans)


def _run_one(ex: Execution, plan: VariantPlan | PlanError) -> VariantResult:
    if isinstance(plan, PlanError):
        return VariantResult(plan.rule, plan.variant, FAILED_PERMANENT, 0.0, None, None, "InvalidKey", plan.message)
    started = time.perf_counter()
    attempts = [0]
    if not plan.source_etag:  # no version to record: neither lineage nor a claim can name it
        return _make(ex, plan, "", started, attempts)
    expected = lineage(plan.source_bucket, plan.source_key, plan.source_etag, plan.chain,
                       f"{plan.target_bucket}/{plan.target_key}")  # fmt: skip
    if _current(ex, plan, expected, attempts):
        return VariantResult(plan.rule, plan.variant, UP_TO_DATE, _ms(started), plan, attempts=attempts[0])
    claim = claims.claim_for(plan, expected)
    try:
        outcome = claims.acquire(ex, plan, claim, attempts)
    except OssCallError as exc:
        # No claim (a role without access to the claims prefix, say): make the variant anyway;
        # only a duplicate delivery running at this very moment could then repeat it.
        return _make(ex, plan, expected, started, attempts, claim_error=exc.code)
    if outcome is claims.Outcome.DONE:
        return VariantResult(plan.rule, plan.variant, UP_TO_DATE, _ms(started), plan, attempts=attempts[0])
    if outcome is claims.Outcome.BUSY:
        return VariantResult(plan.rule, plan.variant, FAILED_TRANSIENT, _ms(started), plan, None, "ClaimHeld",
                             "another instance is making this variant right now; FC retries the event later",
                             attempts=attempts[0])  # fmt: skip
    try:
        return _make(ex, plan, expected, started, attempts)
    finally:
        claims.release(ex, claim)


def _make(
    ex: Execution, plan: VariantPlan, expected: str, started: float, attempts: list[int], claim_error: str = ""
) -> VariantResult:
    """The IMG call, then the lineage record when there is a source version to record."""
    try:
        result = ex.call(lambda: ex.client.process_object(plan.source_bucket, plan.source_key, plan.process), attempts)
    except OssCallError as exc:
        status = FAILED_TRANSIENT if exc.transient else FAILED_PERMANENT
        return VariantResult(plan.rule, plan.variant, status, _ms(started), plan, None, exc.code, exc.message,
                             exc.request_id, attempts[0], claim_error=claim_error)  # fmt: skip
    lineage_error = ""
    if expected:
        meta = {LINEAGE: expected, RULES: ex.rules_version}
        try:
            ex.call(
                lambda: ex.client.replace_meta(plan.target_bucket, plan.target_key, plan.content_type, meta), attempts
            )
        except OssCallError as exc:
            lineage_error = exc.code  # the output is there; a redelivery will just redo it
    return VariantResult(plan.rule, plan.variant, OK, _ms(started), plan, result.file_size, attempts=attempts[0],
                         lineage_error=lineage_error, claim_error=claim_error)  # fmt: skip


def _current(ex: Execution, plan: VariantPlan, expected: str, attempts: list[int]) -> bool:
    try:
        meta = ex.call(lambda: ex.client.user_meta(plan.target_bucket, plan.target_key), attempts)
    except OssCallError:
        return False  # unknown: run the variant; its result is the same either way
    return is_current(meta, expected)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
