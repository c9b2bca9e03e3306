"""``--via fc``: batches handed to the deployed function as asynchronous tasks, which FC scales.

Each batch is one asynchronous invocation (``X-Fc-Invocation-Type: Async``) carrying a stateful task
id, ``X-Fc-Stateful-Async-Invocation-Id: <run>-<n>`` (FC's "asynchronous task": "we recommend that you
set a business-related ID … to see whether it completed", GetStatefulAsyncInvocation, FC 2.0 API
2016-08-15, help.aliyun.com/document_detail/256587). FC accepts it at once (202), queues it, runs it
on as many instances as it needs and retries it as it retries any asynchronous invocation; the
backfill keeps at most ``in_flight`` tasks unsettled, sends at most ``rate`` invocations a second, and
asks each task's state (``GET …/stateful-async-invocations/<id>``) at most every ``poll`` seconds:
Enqueued, Dequeued, Running, Retrying are in flight; Succeeded is done; Failed, Stopped, Expired and
Invalid are failures, written where they can be re-driven. Tracking needs the function's async
config to say ``statefulInvocation: true`` (PutFunctionAsyncInvokeConfig): checked before the first
batch. aliyun-fc2 (2.5) has no call for GetStatefulAsyncInvocation, so the request is signed and sent
with the client's own request helpers.

A resumed run asks FC about each batch its checkpoint lists as in flight: a known task is followed to
its end; one FC does not know (404) is invoked again (the function's lineage makes a repeat free).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from fc2.fc_exceptions import FcError
from requests import RequestException

from ossimg.pipeline import Status

from .batches import Batch
from .dispatch import DispatchError, Settled

IN_FLIGHT = ("Enqueued", "Dequeued", "Running", "Retrying", "Stopping")
ALL = "*"  # what the function's summary counts: every variant of the batch
SUMMARY_FIELDS = {"ok": Status.OK, "up_to_date": Status.UP_TO_DATE, "failed_permanent": Status.FAILED_PERMANENT}
THROTTLED = 429


class RateLimit:
    """At most ``rate`` events a second, with bursts of up to ``burst`` (a token bucket)."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.burst = rate, burst if burst is not None else max(1.0, rate)
        self._clock, self._sleep = clock, sleep
        self._tokens, self._at = self.burst, clock()

    def take(self) -> None:
        """Wait for a token, then spend it."""
        while True:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            self._sleep((1 - self._tokens) / self.rate)


class FcDispatcher:
    """Batches as FC asynchronous tasks of ``service/function`` (a :class:`~.dispatch.Dispatcher`)."""

    def __init__(
        self,
        client: Any,
        service: str,
        function: str,
        *,
        qualifier: str = "",
        in_flight: int = 64,
        rate: float = 20.0,
        poll: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client  # fc2.Client
        self._service, self._function, self._qualifier = service, function, qualifier
        self.capacity = in_flight
        self.waits_on_interrupt = False  # FC runs what it accepted whether or not this process lives
        self._limit = RateLimit(rate, clock=clock, sleep=sleep)
        self._poll, self._clock, self._sleep = poll, clock, sleep
        self._tasks: dict[str, tuple[Batch, float]] = {}  # id -> (batch, when last asked)
        self._settled: list[Settled] = []

    def check(self) -> None:
        """Refuse a function whose asynchronous tasks FC does not track. Raises DispatchError."""
        try:
            config = self._client.get_function_async_invoke_config(
                self._service, self._qualifier or "LATEST", self._function
            ).data
        except RequestException as exc:
            raise self._gone(exc) from None
        except FcError as exc:
            raise DispatchError(
                f"{self._service}/{self._function}: cannot read its async invocation config "
                f"({exc.status_code} {exc.err_code}: {exc.message})"
            ) from None
        if not (config or {}).get("statefulInvocation"):
            raise DispatchError(
                f"{self._service}/{self._function}: asynchronous tasks are not enabled, so the backfill could not "
                "tell when a batch is done; set statefulInvocation: true in its async invocation config "
                "(template AsyncConfiguration StatefulInvocation: true)"
            )

    def submit(self, batch: Batch) -> None:
        """See :class:`~.dispatch.Dispatcher`."""
        headers = {"x-fc-invocation-type": "Async", "x-fc-stateful-async-invocation-id": batch.id}
        while True:
            self._limit.take()
            try:
                self._client.invoke_function(
                    self._service,
                    self._function,
                    payload=batch.payload,
                    headers=headers,
                    qualifier=self._qualifier or None,
                )
            except RequestException as exc:
                raise self._gone(exc) from None
            except FcError as exc:
                if exc.status_code == THROTTLED:
                    self._sleep(self._poll)
                    continue
                self._settled.append(
                    Settled(batch, False, f"invocation refused: {exc.status_code} {exc.err_code}: {exc.message}")
                )
                return
            self._tasks[batch.id] = (batch, self._clock())
            return

    def resume(self, batch: Batch) -> None:
        """See :class:`~.dispatch.Dispatcher`."""
        try:
            state = self.state(batch.id)
        except FcError:
            state = {}  # cannot tell now: follow it, and ask again
        if state is None:
            self.submit(batch)  # FC never accepted it (the run stopped first): send it now
        else:
            self._tasks[batch.id] = (batch, float("-inf"))

    def in_flight(self) -> int:
        """See :class:`~.dispatch.Dispatcher`."""
        return len(self._tasks)

    def wait(self, timeout: float) -> list[Settled]:
        """See :class:`~.dispatch.Dispatcher`."""
        end = self._clock() + timeout
        while True:
            for task_id, (batch, asked) in list(self._tasks.items()):
                if self._clock() - asked >= self._poll:
                    self._ask(task_id, batch)
            if self._settled or not self._tasks or self._clock() >= end:
                done, self._settled = self._settled, []
                return done
            self._sleep(min(self._poll / 4, max(0.0, end - self._clock())))

    def close(self) -> None:
        """See :class:`~.dispatch.Dispatcher`: FC keeps running what it accepted."""
        self._tasks.clear()

    def _ask(self, task_id: str, batch: Batch) -> None:
        try:
            state = self.state(task_id)
        except FcError:
            self._tasks[task_id] = (batch, self._clock())  # ask again later
            return
        status = (state or {}).get("status", "")
        if status in IN_FLIGHT:
            self._tasks[task_id] = (batch, self._clock())
            return
        del self._tasks[task_id]
        if status == "Succeeded":
            self._settled.append(Settled(batch, True, by_variant=totals(state)))
        else:
            why = (state or {}).get("invocationErrorMessage") or "FC does not know this task"
            self._settled.append(Settled(batch, False, f"{status or 'Unknown'}: {why}"))

    def _gone(self, exc: RequestException) -> DispatchError:
        """FC stopped answering (after the client's own retries): one line naming the option to check."""
        return DispatchError(
            f"FC at {self._client.endpoint} does not answer ({type(exc).__name__}): check --fc-endpoint and the network"
        )

    def state(self, task_id: str) -> dict[str, Any] | None:
        """GetStatefulAsyncInvocation; None when FC does not know the task. Raises FcError."""
        name = self._service + (f".{self._qualifier}" if self._qualifier else "")
        path = (
            f"/{self._client.api_version}/services/{name}/functions/{self._function}/stateful-async-invocations/"
            f"{task_id}"
        )
        try:
            answer = self._client._do_request("GET", path, self._client._build_common_headers("GET", path, {}))
        except RequestException as exc:
            raise self._gone(exc) from None
        except FcError as exc:
            if exc.status_code == 404:
                return None
            raise
        doc: dict[str, Any] = answer.json()
        return doc


def totals(state: dict[str, Any] | None) -> dict[str, dict[str, int]] | None:
    """The function's counts (its summary, which it returns) under ``*``, when FC hands back what it
    returned (``returnPayload``); None otherwise."""
    try:
        answer = json.loads((state or {}).get("returnPayload") or "null")
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    counts = {status.value: answer.get(name) for name, status in SUMMARY_FIELDS.items()}
    return {ALL: {k: v for k, v in counts.items() if isinstance(v, int) and v}}
