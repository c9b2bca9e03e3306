"""How batches reach the function: the interface both ways share, and ``--via local``.

``--via local`` runs the function's own use case (``ossimg.on_upload.run``, what ``index.handler``
calls on FC) on a pool of worker threads in this process, with the caller's keys, and treats an
invocation as FC treats an asynchronous one: a ``TransientFailure`` is retried after 0.5 s, 1 s,
2 s … (FC's schedule, ``MaxAsyncRetryAttempts`` times), then the batch counts as failed. ``--via fc``
(``fc_dispatch.py``) hands batches to the deployed function instead.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple, Protocol, TextIO

from ossimg.decide import decide
from ossimg.events import parse_event
from ossimg.logs import JsonLog
from ossimg.on_upload import Summary, TransientFailure, run
from ossimg.oss import OssClient
from ossimg.pipeline import Status
from ossimg.plan import PlanError
from ossimg.retry import Backoff, Deadline
from ossimg.rules.compiled import RuleIndex

from .batches import Batch


class DispatchError(RuntimeError):
    """The function cannot be used, or stopped answering: the message says what to change."""


class Settled(NamedTuple):
    """How one batch ended: done (``ok``), or failed with ``error``; records that failed for good inside
    a done batch, with why; and, when the function's results were seen, counts per variant and status."""

    batch: Batch
    ok: bool
    error: str = ""
    failed: tuple[tuple[dict[str, Any], str], ...] = ()
    by_variant: dict[str, dict[str, int]] | None = None


class Dispatcher(Protocol):
    """Runs batches, at most ``capacity`` at a time, and reports each as it settles."""

    capacity: int
    waits_on_interrupt: bool  # does stopping this process stop the work under way?

    def submit(self, batch: Batch) -> None:
        """Start ``batch`` (may wait, e.g. for the rate limit)."""
        ...

    def resume(self, batch: Batch) -> None:
        """Take over a batch a previous run dispatched (from its checkpoint)."""
        ...

    def in_flight(self) -> int:
        """Batches submitted and not yet settled."""
        ...

    def wait(self, timeout: float) -> list[Settled]:
        """Batches settled since the last call; waits up to ``timeout`` seconds for one."""
        ...

    def close(self) -> None:
        """Stop; what is under way is abandoned (a checkpoint still lists it)."""
        ...


def fc_backoff(retry: int) -> float:
    """FC's asynchronous retry schedule: 0.5 s before the first retry, then doubled."""
    return 0.5 * 2.0 ** (retry - 1)


class LocalDispatcher:
    """``--via local``: the function's use case on ``workers`` threads, retried as FC retries."""

    def __init__(
        self,
        rules: RuleIndex,
        client: OssClient,
        *,
        workers: int = 4,
        variant_workers: int = 4,
        retries: int = 3,
        timeout: float = 60.0,
        log: TextIO | None = None,
        backoff: Callable[[int], float] = fc_backoff,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.capacity = workers
        self.waits_on_interrupt = True
        self._rules, self._client = rules, client
        self._variant_workers, self._retries, self._timeout = variant_workers, retries, timeout
        self._devnull = open(os.devnull, "w") if log is None else None  # noqa: SIM115 (closed by close())
        self._log = JsonLog(log or self._devnull, function="on_upload", via="backfill")
        self._backoff, self._sleep = backoff, sleep
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="backfill")
        self._settled: queue.Queue[Settled] = queue.Queue()
        self._lock = threading.Lock()
        self._running = 0

    def submit(self, batch: Batch) -> None:
        """See :class:`Dispatcher`."""
        with self._lock:
            self._running += 1
        self._pool.submit(self._run, batch)

    resume = submit  # nothing survives a local run but its checkpoint: run the batch again

    def in_flight(self) -> int:
        """See :class:`Dispatcher`."""
        with self._lock:
            return self._running

    def wait(self, timeout: float) -> list[Settled]:
        """See :class:`Dispatcher`."""
        done = []
        try:
            done.append(self._settled.get(timeout=timeout) if timeout > 0 else self._settled.get_nowait())
            while True:
                done.append(self._settled.get_nowait())
        except queue.Empty:
            pass
        with self._lock:
            self._running -= len(done)  # in flight until the caller has seen it settle
        return done

    def close(self) -> None:
        """See :class:`Dispatcher`."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._devnull is not None:
            self._devnull.close()

    def _run(self, batch: Batch) -> None:
        try:
            settled = self._attempts(batch)
        except Exception as exc:  # a bug or an unreadable event must not hang the run
            settled = Settled(batch, False, f"{type(exc).__name__}: {exc}")
        self._settled.put(settled)

    def _attempts(self, batch: Batch) -> Settled:
        error = ""
        for attempt in range(self._retries + 1):
            if attempt:
                self._sleep(self._backoff(attempt))
            log = self._log.bind(request_id=f"{batch.id}/{attempt + 1}")
            try:
                summary = run(
                    batch.payload,
                    self._rules,
                    lambda: self._client,
                    log,
                    deadline=Deadline.after(self._timeout),
                    backoff=Backoff(),
                    workers=self._variant_workers,
                )
            except TransientFailure as exc:
                error = f"TransientFailure: {exc.message}"
                continue
            return Settled(
                batch, True, failed=_failed_records(batch, summary, self._rules), by_variant=summary.by_variant()
            )
        return Settled(batch, False, f"{error} (after {self._retries + 1} attempts)")


def _failed_records(batch: Batch, summary: Summary, rules: RuleIndex) -> tuple[tuple[dict[str, Any], str], ...]:
    """The records with a variant that failed for good, and each one's errors."""
    errors: dict[str, list[str]] = {}
    unplanned: Counter[tuple[str, str, str]] = Counter()
    for result in summary.results:
        if result.status is not Status.FAILED_PERMANENT:
            continue
        if result.plan is None:  # a variant that could not be planned: its result names no object
            unplanned[(result.rule, result.variant, result.error_message)] += 1
            continue
        text = f"{result.rule}#{result.variant}: {result.error_code}: {result.error_message}"
        errors.setdefault(result.plan.source_key, []).append(text)
    if unplanned:
        # The function's own decide() on the same records says whose variant that was (in order, as
        # many as failed: a record the pre-flight skipped never reached its variants).
        for decision in (decide(event, rules) for event in parse_event(batch.payload).records):
            for plan in decision.plans:
                if isinstance(plan, PlanError) and unplanned[(plan.rule, plan.variant, plan.message)] > 0:
                    unplanned[(plan.rule, plan.variant, plan.message)] -= 1
                    text = f"{plan.rule}#{plan.variant}: InvalidKey: {plan.message}"
                    errors.setdefault(decision.record.key, []).append(text)
    return tuple((r, "; ".join(errors[k])) for r in batch.records if (k := r["oss"]["object"]["key"]) in errors)
