"""One FC instance: a child interpreter started from the built code folder, serving one request at a
time over a private pipe, killed when it runs past its timeout or its memory.

Memory: the runner samples the child's peak resident set (``VmHWM`` in ``/proc/<pid>/status``) every
few milliseconds while a request runs and kills the instance once the peak passes ``MemorySize``.
The peak is a high-water mark kept by the kernel, so even a spike shorter than the sampling interval
is seen (the kill then comes a few milliseconds late). Not RLIMIT_AS: it caps address space, not
memory, and every thread's glibc arena reserves 64 MB of it, so a threaded function would fail far
below its MemorySize. Not cgroups: they need privileges this machine may not give. Without
``/proc`` (not Linux) memory is not enforced. Only the instance's own process is measured, not
processes it starts.
"""

from __future__ import annotations

import base64
import contextlib
import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import bootstrap
from .invocation import exited, initialization_timed_out, timed_out
from .logstream import Capture, Echo, LogStream
from .template import FunctionSpec

BOOTSTRAP = Path(bootstrap.__file__).resolve()
# How often a busy instance's peak memory and deadline are checked. VmHWM keeps the peak, so a slower
# poll misses no excess, it only kills that much later; faster, the polls of 4 instances cost the
# emulator's process 4% of its time in `make up`.
POLL_SECONDS = 0.05
LOG_GRACE_SECONDS = 5.0  # how long a finished request may take to flush its log lines


@dataclass(frozen=True)
class Reply:
    """What the instance answered, or why it could not (``killed``: timeout, memory or exited)."""

    ok: bool
    payload: bytes = b""
    error_type: str = ""
    error: str = ""
    stack: tuple[Any, ...] = ()
    killed: str = ""
    duration_ms: float = 0.0
    max_memory_mb: float = 0.0
    logs: tuple[str, ...] = field(default=())


class Instance:
    """A running instance of one function. Not thread-safe: the pool hands it to one caller at a time."""

    def __init__(
        self,
        spec: FunctionSpec,
        code_dir: Path,
        python: str,
        env: dict[str, str],
        instance_id: str,
        echo: Echo | None = None,
    ) -> None:
        self.spec = spec
        self.id = instance_id
        self.initialized = False
        request_r, self._request_w = os.pipe()
        self._reply_r, reply_w = os.pipe()
        command = [
            python,
            "-I",
            "-S",
            "-B",
            "-u",
            str(BOOTSTRAP),
            str(code_dir),
            spec.handler,
            spec.initializer,
            str(request_r),
            str(reply_w),
        ]
        try:
            self._process = subprocess.Popen(
                command,
                cwd=code_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(request_r, reply_w),
                start_new_session=True,
            )
        finally:
            os.close(request_r)
            os.close(reply_w)
        assert self._process.stdout is not None
        self._log = LogStream(self._process.stdout, echo, name=f"fc-{instance_id}-log")
        self.killed = ""
        self._peak = 0.0

    @property
    def pid(self) -> int:
        """The instance's process id."""
        return self._process.pid

    @property
    def alive(self) -> bool:
        """Still able to serve requests."""
        return not self.killed and self._process.poll() is None

    def initialize(self, request_id: str, context: dict[str, Any]) -> Reply:
        """Run the initializer, within ``InitializationTimeout``."""
        message = {"op": "initialize", "request_id": request_id, "context": context}
        reply = self._request(message, self.spec.initialization_timeout)
        self.initialized = reply.ok
        return reply

    def invoke(self, request_id: str, event: bytes, context: dict[str, Any]) -> Reply:
        """Run the handler on ``event``, within the function's ``Timeout``."""
        message = {
            "op": "invoke",
            "request_id": request_id,
            "context": context,
            "event": base64.b64encode(event).decode(),
        }
        return self._request(message, self.spec.timeout)

    def kill(self, reason: str = "closed") -> None:
        """Kill the instance and every process it started."""
        self.killed = self.killed or reason
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL cannot be refused: this does not wait long
            self._process.wait(timeout=10)
        for fd in (self._request_w, self._reply_r):
            with contextlib.suppress(OSError):  # already closed by an earlier kill
                os.close(fd)

    def _request(self, message: dict[str, Any], timeout: int) -> Reply:
        capture = self._log.capture(message["request_id"])
        started = time.monotonic()
        self._peak = peak_memory_mb(self.pid)
        try:
            bootstrap.write_frame(self._request_w, message)
        except OSError:
            answer = None
        else:
            answer = self._await(started + timeout)
        duration_ms = (time.monotonic() - started) * 1000
        if answer is not None:
            capture.ended.wait(LOG_GRACE_SECONDS)
            return _reply(answer, duration_ms, max(self._peak, peak_memory_mb(self.pid)), capture)
        if not self.killed:
            self.kill("exited")
        self._log.closed.wait(LOG_GRACE_SECONDS)
        error = self._death(message["op"], duration_ms)
        stage = "Initialize" if message["op"] == "initialize" else "Invoke"
        self._log.append(capture, f"FC {stage} End RequestId: {message['request_id']}, Error: {error}")
        return Reply(
            False,
            error=error,
            killed=self.killed,
            duration_ms=duration_ms,
            max_memory_mb=self._peak,
            logs=tuple(capture.lines),
        )

    def _await(self, deadline: float) -> dict[str, Any] | None:
        """The reply, or None once the instance was killed (timeout, memory) or died."""
        while True:
            try:
                ready, _, _ = select.select([self._reply_r], [], [], POLL_SECONDS)
                if ready:
                    return bootstrap.read_frame(self._reply_r)
            except (OSError, ValueError):  # the pipe was closed under us: the instance was killed
                return None
            self._peak = max(self._peak, peak_memory_mb(self.pid))
            if self._peak > self.spec.memory:
                self.kill("memory")
                return None
            if time.monotonic() > deadline:
                self.kill("timeout")
                return None

    def _death(self, op: str, duration_ms: float) -> str:
        """FC's message for a request its instance did not live to answer."""
        if self.killed == "timeout" and op == "initialize":
            return initialization_timed_out(self.spec.initialization_timeout, self._peak)
        if self.killed == "timeout":
            return timed_out(self.spec.timeout, self._peak)
        return exited(duration_ms, self._peak)


def _reply(answer: dict[str, Any], duration_ms: float, peak: float, capture: Capture) -> Reply:
    if answer.get("ok"):
        return Reply(
            True,
            base64.b64decode(answer.get("payload", "")),
            duration_ms=duration_ms,
            max_memory_mb=peak,
            logs=tuple(capture.lines),
        )
    return Reply(
        False,
        error_type=str(answer.get("errorType", "")),
        error=str(answer.get("errorMessage", "")),
        stack=tuple(answer.get("stackTrace", ())),
        duration_ms=duration_ms,
        max_memory_mb=peak,
        logs=tuple(capture.lines),
    )


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident set in MB (``VmHWM``); 0 where ``/proc`` cannot tell."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0
