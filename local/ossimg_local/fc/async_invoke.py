"""Asynchronous invocation as FC runs it: events queue, are dispatched to the function's instances
(several at once), are retried on error with back-off, and are dropped once older than
``MaxAsyncEventAgeInSeconds``; one that exhausts its retries goes to the on-failure handler.

FC's documented policy (FC 2.0 "Error handling", retry table): a function error
(HandledInvocationError / UnhandledInvocationError) is retried ``MaxAsyncRetryAttempts`` times (3 by
default). The interval is documented only for throttling and system errors: binary exponential
back-off, the first retry after 0.5 s, then 1 s, 2 s, 4 s …; this queue uses that schedule for
function errors too. An event past its maximum age is discarded (FC's "Expired" state: "discarded
because it exceeded the maximum queueing time, the task was not executed"); the docs send to the
failure destination only what failed after its retries, so an expired event is logged and dropped.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from .invocation import Invocation

Attempt = Callable[[bytes, str], Invocation]
Notice = Callable[[str], None]


def fc_backoff(retry: int) -> float:
    """Seconds before retry number ``retry`` (1, 2, 3 …): 0.5, 1, 2, 4 …"""
    return 0.5 * 2.0 ** (retry - 1)


@dataclass
class AsyncEvent:
    """One accepted asynchronous invocation: every attempt, then how it ended."""

    request_id: str
    event: bytes
    accepted_at: float
    attempts: list[Invocation] = field(default_factory=list)
    outcome: str = ""  # succeeded, failed (retries exhausted), expired, or stopped (the runner closed first)
    done: threading.Event = field(default_factory=threading.Event)
    running: bool = False  # an attempt is under way (what FC's task state calls Running)
    started_at: float | None = None  # when the first attempt began
    ended_at: float | None = None  # when it settled

    def wait(self, timeout: float | None = None) -> list[Invocation]:
        """Every attempt, once the event is settled. Raises TimeoutError."""
        if not self.done.wait(timeout):
            raise TimeoutError(f"asynchronous invocation {self.request_id} still running after {timeout} s")
        return self.attempts


class AsyncInvoker:
    """The function's asynchronous queue and its ``workers`` dispatchers."""

    def __init__(
        self,
        attempt: Attempt,
        *,
        workers: int,
        retries: int,
        max_age: float,
        on_failure: Callable[[AsyncEvent], object],
        notice: Notice,
        backoff: Callable[[int], float] = fc_backoff,
        clock: Callable[[], float] = time.time,
        name: str = "fc",
    ) -> None:
        self._attempt = attempt
        self._workers = workers
        self.retries = retries
        self.max_age = max_age
        self._on_failure = on_failure
        self._notice = notice
        self._backoff = backoff
        self._clock = clock
        self._name = name
        self._cond = threading.Condition()
        self._queue: list[tuple[float, int, AsyncEvent]] = []
        self._order = itertools.count()
        self._pending = 0
        self._closed = False
        self._threads: list[threading.Thread] = []

    def submit(self, event: bytes, *, request_id: str = "", accepted_at: float | None = None) -> AsyncEvent:
        """Accept ``event`` (FC answers 202 here) and queue it for the instances."""
        accepted = AsyncEvent(
            request_id or str(uuid.uuid4()), event, self._clock() if accepted_at is None else accepted_at
        )
        with self._cond:
            if self._closed:
                raise RuntimeError(f"{self._name}: asynchronous invocations are stopped")
            self._start_workers()
            self._pending += 1
            self._push(accepted, time.monotonic())
        return accepted

    def drain(self, timeout: float = 60) -> bool:
        """Wait until every accepted event is settled; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self, interrupt: Callable[[], None] | None = None) -> None:
        """Stop dispatching; events still queued are not run. ``interrupt`` (e.g. killing the instances)
        runs before waiting for the attempts under way, which then end as ``stopped``."""
        with self._cond:
            self._closed = True
            stopped = [entry[2] for entry in self._queue]
            self._queue.clear()
            self._cond.notify_all()
        if interrupt is not None:
            interrupt()
        for thread in self._threads:
            thread.join(timeout=30)
        for accepted in stopped:
            self._settle(accepted, "stopped")
        if stopped:
            self._notice(f"{self._name}: {len(stopped)} queued asynchronous invocation(s) not run: the runner stopped")

    def _start_workers(self) -> None:
        while len(self._threads) < self._workers:
            thread = threading.Thread(target=self._work, name=f"{self._name}-async-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _push(self, accepted: AsyncEvent, due: float) -> None:
        heapq.heappush(self._queue, (due, next(self._order), accepted))
        self._cond.notify_all()

    def _next(self) -> AsyncEvent | None:
        with self._cond:
            while not self._closed:
                if not self._queue:
                    self._cond.wait()
                    continue
                wait = self._queue[0][0] - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(self._queue)[2]
                self._cond.wait(wait)
            return None

    def _work(self) -> None:
        while (accepted := self._next()) is not None:
            self._run(accepted)

    def _run(self, accepted: AsyncEvent) -> None:
        age = self._clock() - accepted.accepted_at
        if age > self.max_age:
            self._notice(
                f"{self._name}: asynchronous invocation {accepted.request_id} dropped after "
                f"{len(accepted.attempts)} attempt(s): {age:.0f} s old, past MaxAsyncEventAgeInSeconds "
                f"({self.max_age:.0f} s)"
            )
            self._settle(accepted, "expired")
            return
        accepted.running = True
        if accepted.started_at is None:
            accepted.started_at = self._clock()
        try:
            result = self._attempt(accepted.event, accepted.request_id)
        except Exception as exc:  # the runner itself failed (stopped, or could not start an instance)
            if not self._closed:
                self._notice(f"{self._name}: asynchronous invocation {accepted.request_id} not run: {exc}")
            self._settle(accepted, "stopped")
            return
        if self._closed and not result.ok:  # cut short by the shutdown: not the function's failure
            self._settle(accepted, "stopped")
            return
        accepted.attempts.append(result)
        if result.ok:
            self._settle(accepted, "succeeded")
            return
        tries = len(accepted.attempts)
        if tries > self.retries:
            self._notice(
                f"{self._name}: asynchronous invocation {accepted.request_id} failed {tries} time(s), "
                f"retries exhausted: {result.error_type or result.error_kind}: {result.error}"
            )
            self._on_failure(accepted)
            self._settle(accepted, "failed")
            return
        accepted.running = False
        delay = self._backoff(tries)
        error = result.error_type or result.error_kind
        self._notice(
            f"{self._name}: asynchronous invocation {accepted.request_id} failed (attempt {tries} of "
            f"{self.retries + 1}): {error}; retried in {delay:g} s"
        )
        with self._cond:
            if not self._closed:
                self._push(accepted, time.monotonic() + delay)
                return
        self._settle(accepted, "stopped")

    def _settle(self, accepted: AsyncEvent, outcome: str) -> None:
        accepted.outcome = outcome
        accepted.running = False
        accepted.ended_at = self._clock()
        accepted.done.set()
        with self._cond:
            self._pending -= 1
            self._cond.notify_all()
