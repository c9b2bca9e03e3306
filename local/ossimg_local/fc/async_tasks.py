"""FC's asynchronous tasks (stateful asynchronous invocations), for the local FC API.

An asynchronous invocation that carries ``X-Fc-Stateful-Async-Invocation-Id`` is a task FC keeps the
state of, when the function's async config says ``statefulInvocation: true`` (PutFunctionAsyncInvokeConfig)
or the request says ``X-Fc-Stateful-Async-Invocation-Enable: true``; ``GetStatefulAsyncInvocation``
(``GET /services/{svc[.qualifier]}/functions/{fn}/stateful-async-invocations/{id}``) answers its
state: Enqueued, Running, Retrying (a failed attempt waits for FC's retry), then Succeeded, Failed,
Expired or Stopped, with ``alreadyRetriedTimes``, ``startedTime``/``endTime`` (milliseconds), the last
error, and ``returnPayload``, the function's answer (a field FC's reference marks as in beta)
(FC 2.0 API reference, StatefulAsyncInvocation; help.aliyun.com/document_detail/256587).

Readings where the reference is silent: an id already used for this function is refused (409,
``StatefulAsyncInvocationAlreadyExists``) rather than starting a second task under one name; an
unknown id answers 404 ``StatefulAsyncInvocationNotFound``; without tracking enabled the id is ignored.
"""

from __future__ import annotations

import threading
from typing import Any

from .async_invoke import AsyncEvent

STATES = {"succeeded": "Succeeded", "failed": "Failed", "expired": "Expired", "stopped": "Stopped"}


def tracked(async_config: dict[str, Any], headers: dict[str, str]) -> bool:
    """Does FC keep the state of an asynchronous invocation made with these headers?"""
    enabled = headers.get("x-fc-stateful-async-invocation-enable", "").strip('"').lower() == "true"
    return bool(async_config.get("statefulInvocation")) or enabled


class AsyncTasks:
    """Every task of every function, by (service, function, id)."""

    def __init__(self) -> None:
        self._tasks: dict[tuple[str, str, str], tuple[AsyncEvent, str]] = {}
        self._lock = threading.Lock()

    def exists(self, service: str, function: str, task_id: str) -> bool:
        """Is ``task_id`` already a task of this function?"""
        with self._lock:
            return (service, function, task_id) in self._tasks

    def add(self, service: str, function: str, task_id: str, accepted: AsyncEvent, qualifier: str = "") -> None:
        """Keep the state of ``accepted`` under ``task_id``."""
        with self._lock:
            self._tasks[(service, function, task_id)] = (accepted, qualifier)

    def describe(self, service: str, function: str, task_id: str) -> dict[str, Any] | None:
        """The StatefulAsyncInvocation document of a task, or None when there is no such task."""
        with self._lock:
            found = self._tasks.get((service, function, task_id))
        if found is None:
            return None
        accepted, qualifier = found
        doc: dict[str, Any] = {
            "serviceName": service,
            "functionName": function,
            "qualifier": qualifier or "LATEST",
            "invocationId": task_id,
            "requestId": accepted.request_id,
            "status": state(accepted),
            "alreadyRetriedTimes": max(0, len(accepted.attempts) - 1),
        }
        if accepted.started_at is not None:
            doc["startedTime"] = int(accepted.started_at * 1000)
        if accepted.ended_at is not None:
            doc["endTime"] = int(accepted.ended_at * 1000)
        if accepted.outcome == "succeeded":
            doc["returnPayload"] = accepted.attempts[-1].result.decode("utf-8", "replace")
        failed = [a for a in accepted.attempts if not a.ok]
        if failed and accepted.outcome != "succeeded":
            doc["invocationErrorMessage"] = failed[-1].error_type or failed[-1].error_kind
        return doc


def state(accepted: AsyncEvent) -> str:
    """FC's name for where an asynchronous invocation stands."""
    if accepted.outcome:
        return STATES.get(accepted.outcome, "Invalid")
    if accepted.running:
        return "Running"
    return "Retrying" if accepted.attempts else "Enqueued"
