"""One invocation's outcome as FC reports it, and FC's words for the ways an instance fails.

Error texts, as FC answers them (``{"errorMessage": …}`` with ``X-Fc-Error-Type:
UnhandledInvocationError``):

- timeout: ``Function timed out after 30 seconds (maxMemoryUsage: 47.28MB)``
  (reported in dyc87112/OpenAIProxy#3);
- an instance that dies mid-request, out of memory included: ``Process exited unexpectedly before
  completing request (duration: 9ms, maxMemoryUsage: 49.82MB)`` (aliyun/fc-go-sdk#5, where FC
  staff name memory and time as the usual causes);
- a handler exception: ``errorMessage``, ``errorType``, ``stackTrace`` (FC Python "Error handling").

FC's wording for an initializer that exceeds ``InitializationTimeout`` was not found; this runner
says ``Function initialization timed out after N seconds (maxMemoryUsage: …MB)`` by analogy.
The log's end line carries the error: ``FC Invoke End RequestId: <id>, Error: <message>``
(as FC writes it, e.g. in XiaoMiku01/fansMedalHelperVersion#32).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

UNHANDLED = "UnhandledInvocationError"
FC_LINE = re.compile(r"^FC (Initialize|Invoke) (Start|End) RequestId: ")


def timed_out(seconds: int, memory_mb: float) -> str:
    """FC's message for an invocation that ran past the function's timeout."""
    return f"Function timed out after {seconds} seconds (maxMemoryUsage: {memory_mb:.2f}MB)"


def initialization_timed_out(seconds: int, memory_mb: float) -> str:
    """This runner's message for an initializer that ran past ``InitializationTimeout``."""
    return f"Function initialization timed out after {seconds} seconds (maxMemoryUsage: {memory_mb:.2f}MB)"


def exited(duration_ms: float, memory_mb: float) -> str:
    """FC's message for an instance that died before answering (killed past its memory, or exited)."""
    return (
        f"Process exited unexpectedly before completing request (duration: {duration_ms:.0f}ms, "
        f"maxMemoryUsage: {memory_mb:.2f}MB)"
    )


@dataclass(frozen=True)
class Invocation:
    """One call of a function: its response payload or FC's error, and the log lines it produced.

    ``logs`` is the log as FC shows it, its ``FC Initialize/Invoke Start/End`` lines included (the
    initializer's block too when this request started a cold instance); ``printed()`` is only what
    the function wrote. ``error_kind`` is FC's ``X-Fc-Error-Type``.
    """

    request_id: str
    ok: bool
    result: bytes = b""
    error_type: str = ""
    error: str = ""
    stack: tuple[Any, ...] = ()
    error_kind: str = ""
    duration_ms: float = 0.0
    max_memory_mb: float = 0.0
    logs: str = ""
    instance_id: str = ""

    def printed(self) -> list[str]:
        """The log lines the function wrote (FC's own Start/End lines left out)."""
        return [line for line in self.logs.splitlines() if not FC_LINE.match(line)]

    def error_body(self) -> bytes:
        """FC's JSON error body: ``errorMessage``, and ``errorType``/``stackTrace`` for exceptions."""
        body: dict[str, Any] = {"errorMessage": self.error}
        if self.error_type:
            body["errorType"] = self.error_type
            body["stackTrace"] = list(self.stack)
        return json.dumps(body).encode()

    def response(self) -> bytes:
        """What FC answers a synchronous invocation with: the payload, or the error body."""
        return self.result if self.ok else self.error_body()
