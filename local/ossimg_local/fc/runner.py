"""Run FC handlers locally under FC's contract.

What is reproduced: the handler is imported from its code folder as FC does (``index.handler``), the
event arrives as bytes, the initializer runs once per instance before the first event (and again
after it fails), the context is shaped per runtime (3.10 credentials vs 3.12 environment), the
function's environment variables are set, the timeout is enforced, and asynchronous invocations are
retried as FC retries them (3 times by default) before going to the failure destination.
What is not: process isolation (handlers share this interpreter) and memory limits.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .context import Context, Credentials, FunctionMeta, credential_env, make_context
from .template import FunctionSpec

CredentialSource = Callable[[], Credentials]
_env_lock = threading.RLock()


@dataclass(frozen=True)
class Invocation:
    """One call of a handler: its result or error, and what it printed."""

    request_id: str
    ok: bool
    result: Any = None
    error_type: str = ""
    error: str = ""
    duration_ms: float = 0.0
    logs: str = ""


@dataclass
class FunctionRunner:
    """A local FC instance of one function: loads its handler module once, like a warm instance."""

    spec: FunctionSpec
    code_dir: Path
    credentials: CredentialSource
    region: str = "cn-hangzhou"
    account_id: str = "1234567890123456"
    env: dict[str, str] = field(default_factory=dict)
    echo: bool = False
    failures: list[tuple[bytes, Invocation]] = field(default_factory=list)
    _module: ModuleType | None = field(default=None, init=False)
    _initialized: bool = field(default=False, init=False)

    def invoke(self, event: bytes) -> Invocation:
        """Synchronous invocation: initializer if needed, then the handler, within the timeout."""
        creds = self.credentials()
        context = self._context(creds)
        started = time.perf_counter()
        out = io.StringIO()
        runtime = {"FC_FUNC_CODE_PATH": str(self.code_dir), **credential_env(self.spec.runtime, creds)}
        with _environment({**self.spec.environment, **self.env, **runtime}), \
                contextlib.redirect_stdout(_Tee(out, sys.stdout if self.echo else None)):  # fmt: skip
            outcome = self._call_with_timeout(event, context)
        ms = round((time.perf_counter() - started) * 1000, 1)
        if isinstance(outcome, BaseException):
            text = "".join(traceback.format_exception_only(type(outcome), outcome)).strip()
            return Invocation(context.request_id, False, None, type(outcome).__name__, text, ms, out.getvalue())
        return Invocation(context.request_id, True, outcome, duration_ms=ms, logs=out.getvalue())

    def invoke_async(self, event: bytes, max_retries: int | None = None, backoff: float = 0.0) -> list[Invocation]:
        """Asynchronous invocation: retried on error (the template's MaxAsyncRetryAttempts unless
        ``max_retries`` says otherwise); a final failure goes to ``failures`` (FC's on-failure
        destination)."""
        retries = self.spec.async_retries if max_retries is None else max_retries
        attempts = []
        for attempt in range(retries + 1):
            result = self.invoke(event)
            attempts.append(result)
            if result.ok:
                break
            if attempt < retries:
                time.sleep(backoff * (2**attempt))
        else:
            self.failures.append((event, attempts[-1]))
        return attempts

    def _context(self, creds: Credentials) -> Context:
        meta = FunctionMeta(self.spec.name, self.spec.handler, self.spec.memory, self.spec.timeout,
                            self.spec.initializer)  # fmt: skip
        return make_context(meta, self.spec.service, self.spec.runtime, self.region, creds, self.account_id)

    def _call_with_timeout(self, event: bytes, context: Context) -> Any:
        box: list[Any] = []
        worker = threading.Thread(target=lambda: box.append(self._call(event, context)), daemon=True)
        worker.start()
        worker.join(self.spec.timeout)
        if worker.is_alive():
            return TimeoutError(f"Function timed out after {self.spec.timeout} seconds")
        return box[0]

    def _call(self, event: bytes, context: Context) -> Any:
        try:
            module = self._load()
            if self.spec.initializer and not self._initialized:
                getattr(module, self.spec.initializer.rpartition(".")[2])(context)
                self._initialized = True
            return getattr(module, self.spec.handler.rpartition(".")[2])(event, context)
        except Exception as exc:  # the handler's failure is the invocation's result
            return exc

    def _load(self) -> ModuleType:
        if self._module is None:
            file_name = self.spec.handler.rpartition(".")[0]
            path = self.code_dir / f"{file_name}.py"
            spec = importlib.util.spec_from_file_location(f"fc_{self.spec.service}_{self.spec.name}", path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load handler module {path}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._module = module
        return self._module


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for one invocation (serialised: the environment is process-wide)."""
    with _env_lock:
        saved = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


class _Tee(io.TextIOBase):
    """Capture what a handler prints, and optionally pass it through."""

    def __init__(self, capture: io.StringIO, echo: Any) -> None:
        self._capture = capture
        self._echo = echo

    def write(self, text: str) -> int:
        self._capture.write(text)
        if self._echo is not None:
            self._echo.write(text)
        return len(text)

    def flush(self) -> None:
        if self._echo is not None:
            self._echo.flush()
