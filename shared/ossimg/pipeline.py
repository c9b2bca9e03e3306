"""Run decided records through an OssClient, concurrently and bounded, each ending in its own result.

Two stages. Pre-flight: for each planned record, the first bytes of the object (one ranged GET) say
whether OSS IMG can read it at all. Variants, each record's under its claim (so that a duplicate
delivery running at the same time waits instead of repeating them): skip one whose output already
records this source version and variant (lineage), else run the IMG call and record the lineage;
a record's claim is taken while its pre-flight read is in flight (when the event names the version),
and released as soon as its last variant has ended.
Transient failures are retried with backoff inside the invocation's deadline; permanent ones are
not. Every record and every variant ends in its own typed result, in the order they came.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from typing import Any, NamedTuple, TypeVar

from . import claims
from .decide import Decision
from .errors import OssCallError
from .events import ObjectEvent
from .lineage import LINEAGE, RULES, is_current, lineage, provenance
from .oss import OssClient
from .plan import PlanError, VariantPlan
from .preflight import content_reason, suffix_reason
from .retry import Backoff, Deadline

T = TypeVar("T")
R = TypeVar("R")
DEFAULT_WORKERS = 8
TAKERS = 32  # claims being taken at once, at most (a batch's records beyond wait their turn)


class Status(str, enum.Enum):
    """How a variant ended; the value is what its log line says."""

    OK = "ok"
    UP_TO_DATE = "up-to-date"
    FAILED_TRANSIENT = "failed-transient"
    FAILED_PERMANENT = "failed-permanent"
    WOULD_MAKE = "would-make"  # a dry run: the IMG call a real run would make
    REMOVED = "removed"  # its source was deleted, and so was it
    ALREADY_GONE = "already-gone"  # its source was deleted, and it is not there (a redelivery, say)
    KEPT = "kept"  # its source was deleted, but nothing proves this object was made from it


class VariantResult(NamedTuple):
    """How one variant ended: ``ok`` with the saved size, ``up-to-date``, or failed with OSS's code."""

    rule: str
    variant: str
    status: Status
    duration_ms: float
    plan: VariantPlan | None = None
    file_size: int | None = None
    error_code: str = ""
    error_message: str = ""
    request_id: str = ""
    attempts: int = 0  # of the IMG call: 1 when it succeeded at once, 0 when it was not needed
    lineage_error: str = ""
    claim_error: str = ""
    reason: str = ""  # why a removal kept the object

    @property
    def transient(self) -> bool:
        """A failure that a later retry of the invocation may fix."""
        return self.status is Status.FAILED_TRANSIENT

    @classmethod
    def unplanned(cls, plan: PlanError) -> VariantResult:
        """A variant that could not be planned for this key: failed for good, before any request."""
        return cls(plan.rule, plan.variant, Status.FAILED_PERMANENT, 0.0, None, None, "InvalidKey", plan.message)

    @classmethod
    def failed(cls, plan: VariantPlan, exc: OssCallError, started: float, **more: Any) -> VariantResult:
        """A variant an OSS call failed: transient or permanent as OSS's answer says, with its code."""
        status = Status.FAILED_TRANSIENT if exc.transient else Status.FAILED_PERMANENT
        return cls(
            plan.rule,
            plan.variant,
            status,
            ms_since(started),
            plan,
            None,
            exc.code,
            exc.message,
            exc.request_id,
            **more,
        )


class Preflight(NamedTuple):
    """What reading the object's first bytes showed: why to skip it (or None), the ETag the read
    saw, and the error when it could not be read at all."""

    reason: str | None
    etag: str = ""
    unread: OssCallError | None = None


class RecordOutcome(NamedTuple):
    """How one record ended: skipped with a reason, or its variants' results."""

    decision: Decision
    skip: str | None
    unread: OssCallError | None = None
    variants: tuple[VariantResult, ...] = ()


class Execution:
    """How to run plans: the client, the deadline, retries, parallelism and the rules version. A dry
    run reads (pre-flight, lineage) but writes nothing: each variant it would make ends ``would-make``."""

    def __init__(
        self,
        client: OssClient,
        deadline: Deadline,
        backoff: Backoff | None = None,
        workers: int = DEFAULT_WORKERS,
        rules_version: str = "",
        *,
        dry_run: bool = False,
    ) -> None:
        self.client = client
        self.deadline = deadline
        self.backoff = backoff or Backoff()
        self.workers = workers
        self.rules_version = rules_version
        self.dry_run = dry_run

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


def run_decisions(ex: Execution, decisions: Sequence[Decision]) -> list[RecordOutcome]:
    """Pre-flight every planned record, then make the variants of those that pass, each record's
    under its claim; a failure of one never stops the others. One outcome per decision, in order.

    A record whose event names its version (its ETag) has its claim taken while its pre-flight read
    is in flight, not after: one round trip fewer before its first variant (an object the read then
    skips gives its claim back, two requests for an upload that is not an image)."""
    planned = [d for d in decisions if d.skip is None]
    if not planned:
        return [RecordOutcome(d, d.skip) for d in decisions]
    with _Claims(ex, len(planned)) as taking:
        for decision in planned:
            taking.start(_claim_for(ex, decision, decision.record.etag or ""))
        checks = ex.map(lambda d: _preflight(ex, d.record) if d.skip is None else Preflight(d.skip), decisions)
        # An event without an ETag takes the one the pre-flight read saw, so lineage still works.
        etags = [d.record.etag or check.etag for d, check in zip(decisions, checks, strict=True)]
        # Each variant made once, however many records name the same source version: they share its claim.
        work: dict[Work, claims.Claim | None] = {}
        for decision, check, etag in zip(decisions, checks, etags, strict=True):
            if check.reason is None:
                claim = _claim_for(ex, decision, etag)
                for plan in decision.plans:
                    work.setdefault((plan, etag), claim)
        done = taking.make_all(work)
    return [
        RecordOutcome(decision, check.reason, check.unread, tuple(done[(p, etag)] for p in decision.plans))
        if check.reason is None
        else RecordOutcome(decision, check.reason, check.unread)
        for decision, check, etag in zip(decisions, checks, etags, strict=True)
    ]


def _preflight(ex: Execution, record: ObjectEvent) -> Preflight:
    etag = [""]

    def read(length: int) -> bytes:
        head, etag[0] = ex.call(lambda: ex.client.get_head(record.bucket, record.key, length), [0])
        return head

    try:
        return Preflight(content_reason(read), etag[0])
    except OssCallError as exc:
        if exc.code == "NoSuchKey":
            return Preflight("the object no longer exists")
        # Could not look: the key is all there is to go by, else OSS IMG decides.
        return Preflight(suffix_reason(record.key), unread=exc)


class Guard(NamedTuple):
    """What claiming a record gave its variants: our claim (released once they end), a claim held
    elsewhere, or no claim at all (and the code of the error that kept us from taking one)."""

    claim: claims.Claim | None = None
    busy: bool = False
    error: str = ""


UNGUARDED = Guard()  # a dry run, or nothing to name a claim by
Work = tuple[VariantPlan | PlanError, str]  # a variant to make, and the source version it is made from


def _claim_for(ex: Execution, decision: Decision, etag: str) -> claims.Claim | None:
    if ex.dry_run or not etag or all(isinstance(p, PlanError) for p in decision.plans):
        return None  # nothing to make, or no version to name
    return claims.claim_for(decision.record.bucket, decision.record.key, etag)


class _Claims:
    """The variant stage: records' claims and the workers that make the variants. A record's
    variants are queued as soon as its claim is decided, and its claim is released as soon as the
    last of them ends, never kept while others finish (two invocations sharing records would
    otherwise wait on each other).

    A claim is first tried beside the pre-flight read, once, never waited for: the read may yet skip
    its record, which must then cost no wait (a claim it took goes back at once). A record that
    passes and found its claim held elsewhere waits for it then, on a thread of its own (up to
    TAKERS at once) and with the same token, so that it holds up neither the records whose claims
    are decided nor their workers. An early claim no variants took on is given back on the way out,
    whatever ended the stage."""

    def __init__(self, ex: Execution, records: int) -> None:
        self.ex = ex
        self.takers = ThreadPoolExecutor(min(records, TAKERS))
        self.early: dict[claims.Claim, Future[Guard]] = {}
        self.tokens: dict[claims.Claim, str] = {}
        self.handed: set[claims.Claim] = set()  # given back by the stage, not on the way out

    def __enter__(self) -> _Claims:
        return self

    def __exit__(self, *exc: object) -> None:
        self.takers.shutdown()
        for claim, taken in self.early.items():
            if claim not in self.handed:
                _give_back(self.ex, taken)

    def start(self, claim: claims.Claim | None) -> None:
        """Try to take ``claim`` now, once (a claim tried already is not tried again)."""
        if claim is not None and claim not in self.early:
            self.tokens[claim] = claims.new_token()
            self.early[claim] = self.takers.submit(_take, self.ex, claim, self.tokens[claim], False)

    def make_all(self, work: dict[Work, claims.Claim | None]) -> dict[Work, VariantResult]:
        """Every variant of ``work``, each record's under its claim."""
        groups: dict[claims.Claim | None, list[Work]] = {}
        for item, claim in work.items():
            groups.setdefault(claim, []).append(item)
        with ThreadPoolExecutor(max(1, min(self.ex.workers, len(work)))) as pool:
            now: list[tuple[Work, Future[VariantResult]]] = []
            later: list[Future[list[tuple[Work, Future[VariantResult]]]]] = []
            # Early tries whose records the pre-flight skipped (nothing to make) are given back.
            tried: dict[Future[Guard], tuple[claims.Claim, list[Work]]] = {
                self.early[claim]: (claim, []) for claim in self.early.keys() - groups.keys()
            }
            for claim, items in groups.items():
                if claim is None:
                    now += _queue(self.ex, pool, UNGUARDED, items)
                elif claim in self.early:
                    tried[self.early[claim]] = (claim, items)
                else:
                    later.append(self._wait_then_queue(pool, claim, items))
            for early in as_completed(tried):  # in the order the tries end: a slow one holds up no other
                claim, items = tried[early]
                if not items:
                    self.handed.add(claim)
                    self.takers.submit(_give_back, self.ex, early)
                elif (guard := early.result()).busy:
                    later.append(self._wait_then_queue(pool, claim, items))
                else:
                    self.handed.add(claim)
                    now += _queue(self.ex, pool, guard, items)
            wait(later)  # every record's variants queued (or its failure known) before the pool may close
            queued = now + [pair for group in later for pair in group.result()]
            return {item: future.result() for item, future in queued}

    def _wait_then_queue(
        self, pool: ThreadPoolExecutor, claim: claims.Claim, items: list[Work]
    ) -> Future[list[tuple[Work, Future[VariantResult]]]]:
        """On a taker: wait for ``claim`` (held elsewhere when tried, or not tried yet), then queue."""
        self.handed.add(claim)
        token = self.tokens.setdefault(claim, claims.new_token())
        return self.takers.submit(lambda: _queue(self.ex, pool, _take(self.ex, claim, token, True), items))


def _queue(
    ex: Execution, pool: ThreadPoolExecutor, guard: Guard, items: list[Work]
) -> list[tuple[Work, Future[VariantResult]]]:
    """``items`` queued on ``pool`` under ``guard``, whose claim goes when the last of them ends."""
    left, lock = [len(items)], threading.Lock()

    def finish(count: int) -> None:
        with lock:
            left[0] -= count
            last = left[0] == 0
        if last:
            _release(ex, guard)

    def one(item: Work) -> VariantResult:
        try:
            return _run_one(ex, *item, guard)
        finally:
            finish(1)

    queued = []
    for n, item in enumerate(items):
        try:
            queued.append((item, pool.submit(one, item)))
        except BaseException:
            finish(len(items) - n)  # the claim then goes once the variants already queued end
            raise
    return queued


def _release(ex: Execution, guard: Guard) -> None:
    if guard.claim:
        claims.release(ex, guard.claim)


def _give_back(ex: Execution, taken: Future[Guard]) -> None:
    """Release what an early try took, once it has ended (a try that failed took nothing)."""
    if taken.exception() is None:
        _release(ex, taken.result())


def _take(ex: Execution, claim: claims.Claim, token: str, patient: bool) -> Guard:
    try:
        outcome = claims.acquire(ex, claim, [0], token=token, patient=patient)
    except OssCallError as exc:
        # No claim (a role without access to the claims prefix, say): make the variants anyway;
        # only a duplicate delivery running at this very moment could then repeat them.
        return Guard(error=exc.code)
    return Guard(claim) if outcome is claims.Outcome.OWNED else Guard(busy=True)


def _run_one(ex: Execution, plan: VariantPlan | PlanError, etag: str, guard: Guard) -> VariantResult:
    if isinstance(plan, PlanError):
        return VariantResult.unplanned(plan)
    started = time.perf_counter()
    if guard.busy:
        busy = "another instance is making this upload's variants right now; FC retries the event later"
        return VariantResult(
            plan.rule, plan.variant, Status.FAILED_TRANSIENT, ms_since(started), plan, None, "ClaimHeld", busy
        )
    expected = lineage(plan.source_bucket, plan.source_key, etag, plan.chain, f"{plan.target_bucket}/{plan.target_key}")
    if etag and _current(ex, plan, expected):
        return VariantResult(plan.rule, plan.variant, Status.UP_TO_DATE, ms_since(started), plan)
    if ex.dry_run:
        return VariantResult(plan.rule, plan.variant, Status.WOULD_MAKE, ms_since(started), plan)
    # Without a source version to record, neither lineage nor a claim can name it.
    return _make(ex, plan, expected if etag else "", started, claim_error=guard.error)


def _make(ex: Execution, plan: VariantPlan, expected: str, started: float, claim_error: str = "") -> VariantResult:
    """The IMG call, then the lineage record when there is a source version to record."""
    attempts = [0]
    try:
        result = ex.call(lambda: ex.client.process_object(plan.source_bucket, plan.source_key, plan.process), attempts)
    except OssCallError as exc:
        return VariantResult.failed(plan, exc, started, attempts=attempts[0], claim_error=claim_error)
    lineage_error = ""
    if expected:
        meta = {
            LINEAGE: expected,
            RULES: ex.rules_version,
            **provenance(plan.source_bucket, plan.source_key, plan.rule, plan.variant),
        }
        try:
            ex.call(lambda: ex.client.replace_meta(plan.target_bucket, plan.target_key, plan.content_type, meta), [0])
        except OssCallError as exc:
            lineage_error = exc.code  # the output is there; a redelivery will just redo it
    return VariantResult(
        plan.rule,
        plan.variant,
        Status.OK,
        ms_since(started),
        plan,
        result.file_size,
        attempts=attempts[0],
        lineage_error=lineage_error,
        claim_error=claim_error,
    )


def _current(ex: Execution, plan: VariantPlan, expected: str) -> bool:
    try:
        meta = ex.call(lambda: ex.client.user_meta(plan.target_bucket, plan.target_key), [0])
    except OssCallError:
        return False  # unknown: run the variant; its result is the same either way
    return is_current(meta, expected)


def ms_since(started: float) -> float:
    """Milliseconds since ``started`` (a ``time.perf_counter()``), as the log lines give durations."""
    return round((time.perf_counter() - started) * 1000, 1)
