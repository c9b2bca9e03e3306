"""Run FC functions locally as FC runs them.

Each instance is its own process, the runtime's interpreter (``python3.10`` / ``python3.12`` when
one runs here, else this machine's Python, said once) started isolated from the built code folder,
so only that folder and the standard library are importable. The initializer runs once per
instance under ``InitializationTimeout``; a request that runs past ``Timeout`` or past
``MemorySize`` kills its instance and is answered with FC's error; up to ``instances`` instances
serve requests in parallel. The context and environment follow the runtime, logs carry FC's
Start/End lines, asynchronous invocations are retried with back-off, dropped past their maximum
age, and sent to the on-failure destination once their retries are exhausted.
"""

from __future__ import annotations

import secrets
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .async_invoke import AsyncEvent, AsyncInvoker, fc_backoff
from .build_info import check_build
from .context import BASE_ENV, Credentials, Placement, context_doc, instance_env
from .destination import FailureDestination, function_arn
from .instance import Instance, Reply
from .interpreter import Interpreter, find_interpreter
from .invocation import UNHANDLED, Invocation
from .pool import InstancePool
from .template import FunctionSpec

CredentialSource = Callable[[], Credentials]
__all__ = ["CredentialSource", "FunctionRunner", "Invocation"]


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _stdout(text: str) -> None:
    print(text, flush=True)


@dataclass
class FunctionRunner:
    """Up to ``instances`` local FC instances of one function, started from its built ``code_dir``.

    ``env`` is added to the template's variables (e.g. the emulator's endpoint), ``echo`` prints the
    instances' logs as they come, ``notice`` receives the runner's own lines (retries, drops,
    destination), ``failures_dir`` keeps the on-failure destination's messages as files. ``backoff``
    and ``clock`` are FC's retry schedule and wall clock, injectable for tests. Use as a context
    manager, or call ``close()``: instances are processes.
    """

    spec: FunctionSpec
    code_dir: Path
    credentials: CredentialSource
    region: str = "cn-hangzhou"
    account_id: str = "1234567890123456"
    env: dict[str, str] = field(default_factory=dict)
    echo: bool = False
    instances: int = 1
    failures_dir: Path | None = None
    backoff: Callable[[int], float] = fc_backoff
    clock: Callable[[], float] = time.time
    notice: Callable[[str], None] = _stderr
    interpreter: Interpreter = field(init=False)

    def __post_init__(self) -> None:
        self.code_dir = self.code_dir.resolve()
        self.interpreter = find_interpreter(self.spec.runtime)
        if not self.interpreter.exact:
            self.notice(
                f"{self.name}: no working {self.spec.runtime} here; its instances run Python "
                f"{self.interpreter.version} ({self.interpreter.path})"
            )
        check_build(self.code_dir, self.interpreter)
        self._where = Placement(self.spec.service, self.spec.name, self.region, self.account_id)
        self.arn = function_arn(self.region, self.account_id, self.spec.service, self.spec.name)
        self._pool = InstancePool(self._start_instance, self.instances)
        self.destination = FailureDestination(self.spec, self.arn, self.failures_dir, self.notice)
        self._async = AsyncInvoker(
            self._attempt,
            workers=self.instances,
            retries=self.spec.async_retries,
            max_age=self.spec.max_event_age,
            on_failure=self.destination.deliver,
            notice=self.notice,
            backoff=self.backoff,
            clock=self.clock,
            name=self.name,
        )

    @property
    def name(self) -> str:
        """``service/function``."""
        return f"{self.spec.service}/{self.spec.name}"

    @property
    def failures(self) -> list[dict[str, Any]]:
        """The messages the on-failure destination received, in order."""
        return list(self.destination.messages)

    @property
    def live_instances(self) -> list[Instance]:
        """The instances running now."""
        return self._pool.instances

    def invoke(self, event: bytes, request_id: str = "") -> Invocation:
        """Synchronous invocation: an idle instance (or a new one, initialized first) runs the handler."""
        request_id = request_id or str(uuid.uuid4())
        credentials = self.credentials()
        instance = self._pool.acquire()
        try:
            logs: list[str] = []
            if self.spec.initializer and not instance.initialized:
                init_id = str(uuid.uuid4())  # FC gives the initializer a request of its own
                init = instance.initialize(init_id, self._context(init_id, credentials))
                logs += init.logs
                if not init.ok:
                    return _invocation(request_id, init, logs, instance.id)
            reply = instance.invoke(request_id, event, self._context(request_id, credentials))
            return _invocation(request_id, reply, logs + list(reply.logs), instance.id)
        finally:
            self._pool.release(instance)

    def submit(self, event: bytes, *, accepted_at: float | None = None) -> AsyncEvent:
        """Asynchronous invocation: accepted now (or at ``accepted_at`` on ``clock``), run by the next free
        instance, retried as FC retries."""
        return self._async.submit(event, accepted_at=accepted_at)

    def invoke_async(self, event: bytes, timeout: float | None = None) -> list[Invocation]:
        """Submit ``event`` and wait until it is settled; returns every attempt."""
        return self.submit(event).wait(timeout)

    def drain(self, timeout: float = 60) -> bool:
        """Wait until every accepted asynchronous invocation is settled; False on timeout."""
        return self._async.drain(timeout)

    def close(self) -> None:
        """Stop asynchronous dispatch and kill every instance (requests under way end at once)."""
        self._async.close(interrupt=self._pool.close)
        self._pool.close()

    def __enter__(self) -> FunctionRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _attempt(self, event: bytes, request_id: str) -> Invocation:
        return self.invoke(event, request_id)

    def _context(self, request_id: str, credentials: Credentials) -> dict[str, Any]:
        return context_doc(
            self.spec.runtime,
            request_id,
            self._where,
            self.spec.handler,
            self.spec.memory,
            self.spec.timeout,
            credentials,
        )

    def _start_instance(self) -> Instance:
        instance_id = f"c-{secrets.token_hex(4)}-{secrets.token_hex(10)}"
        system = instance_env(
            self._where, self.spec.handler, self.spec.memory, str(self.code_dir), instance_id, self.credentials()
        )
        # The FC_* and role variables are the platform's: the function's own cannot override them.
        env = {**BASE_ENV, **self.spec.environment, **self.env, **system}
        return Instance(
            self.spec, self.code_dir, self.interpreter.path, env, instance_id, _stdout if self.echo else None
        )


def _invocation(request_id: str, reply: Reply, logs: list[str], instance_id: str) -> Invocation:
    return Invocation(
        request_id,
        reply.ok,
        reply.payload,
        reply.error_type,
        reply.error,
        reply.stack,
        "" if reply.ok else UNHANDLED,
        round(reply.duration_ms, 1),
        round(reply.max_memory_mb, 2),
        "".join(line + "\n" for line in logs),
        instance_id,
    )
