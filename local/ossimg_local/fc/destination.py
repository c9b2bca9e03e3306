"""FC's on-failure destination, kept as files: one JSON message per event that exhausted its retries.

The message has FC's shape for asynchronous-invocation destinations (FC 2.0 "Result callback",
help.aliyun.com/document_detail/422720): ``timestamp`` (ms), ``requestContext`` {``requestId``,
``functionArn``, ``condition`` (the error code), ``approximateInvokeCount``}, ``requestPayload`` (the
event), ``responseContext`` {``statusCode`` (the system's, 200 when the function itself failed),
``functionError`` (the error's text)}, ``responsePayload`` (the function's error body). Where the docs
leave a value open this module takes: ``condition`` = ``UnhandledInvocationError``; an event that is
not UTF-8 is stored base64 with ``"requestPayloadEncoding": "base64"`` (a local addition).

FC sends to the destination (an MNS queue in template.yml) with the function's role, so a message is
kept only when the role's policy allows ``mns:SendMessage`` on the destination's ARN; otherwise the
event is lost, as on FC, and one line says so. ``ossimg failures`` lists the kept messages and
re-drives them: a re-driven message moves to ``redrive/``, where ``ossimg up`` picks it up and
invokes its function asynchronously again.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..ram import Policy, PolicyError
from .async_invoke import AsyncEvent, Notice
from .invocation import UNHANDLED
from .template import FunctionSpec

REDRIVE = "redrive"


def function_arn(region: str, account_id: str, service: str, function: str) -> str:
    """The function's ARN as FC writes it in destination messages."""
    return f"acs:fc:{region}:{account_id}:services/{service}/functions/{function}"


def failure_message(arn: str, failed: AsyncEvent, now: float | None = None) -> dict[str, Any]:
    """FC's destination message for an event whose last attempt failed."""
    last = failed.attempts[-1]
    message: dict[str, Any] = {
        "timestamp": int((time.time() if now is None else now) * 1000),
        "requestContext": {
            "requestId": failed.request_id,
            "functionArn": arn,
            "condition": UNHANDLED,
            "approximateInvokeCount": len(failed.attempts),
        },
        "requestPayload": "",
        "responseContext": {"statusCode": 200, "functionError": last.error},
        "responsePayload": last.error_body().decode(),
    }
    try:
        message["requestPayload"] = failed.event.decode("utf-8")
    except UnicodeDecodeError:
        message["requestPayload"] = base64.b64encode(failed.event).decode()
        message["requestPayloadEncoding"] = "base64"
    return message


def request_payload(message: dict[str, Any]) -> bytes:
    """The event a destination message carries, as it was delivered."""
    text = str(message.get("requestPayload", ""))
    if message.get("requestPayloadEncoding") == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8")


class FailureDestination:
    """Where a function's failed events go: kept in ``messages`` and, with a ``folder``, one file each."""

    def __init__(self, spec: FunctionSpec, arn: str, folder: Path | None, notice: Notice) -> None:
        self.spec = spec
        self.arn = arn
        self.folder = folder
        self._notice = notice
        self.messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.refusal = self._refusal()

    def _refusal(self) -> str:
        """Why the destination cannot receive (empty when it can)."""
        where = f"{self.spec.service}/{self.spec.name}"
        if not self.spec.on_failure:
            return f"{where} has no on-failure destination: FC discards the event"
        try:
            allowed = Policy.from_documents(self.spec.policies).allows("mns:SendMessage", self.spec.on_failure)
        except PolicyError as exc:
            return f"the on-failure destination {self.spec.on_failure} refused the event ({exc}); it is lost"
        if not allowed:
            return (
                f"the on-failure destination {self.spec.on_failure} refused the event: the role of {where} may "
                "not mns:SendMessage to it; the event is lost, as on FC"
            )
        return ""

    def deliver(self, failed: AsyncEvent) -> Path | None:
        """Send ``failed`` to the destination; returns the file written, if any."""
        if self.refusal:
            self._notice(f"{self.spec.service}/{self.spec.name}: {failed.request_id}: {self.refusal}")
            return None
        message = failure_message(self.arn, failed)
        with self._lock:
            self.messages.append(message)
        if self.folder is None:
            return None
        path = self.folder / f"{message['timestamp']}-{failed.request_id}.json"
        write_atomically(path, json.dumps(message, indent=2, ensure_ascii=False))
        self._notice(
            f"{self.spec.service}/{self.spec.name}: {failed.request_id} sent to {self.spec.on_failure} ({path})"
        )
        return path


def write_atomically(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".writing-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


@dataclass(frozen=True)
class StoredFailure:
    """One kept destination message: its id (the file's name without ``.json``) and content."""

    id: str
    path: Path
    message: dict[str, Any]

    @property
    def function_arn(self) -> str:
        """The function that failed."""
        return str(self.message.get("requestContext", {}).get("functionArn", ""))

    def summary(self) -> str:
        """One line: id, function, attempts and the error."""
        context = self.message.get("requestContext", {})
        error = self.message.get("responseContext", {}).get("functionError", "")
        return f"{self.id}  {self.function_arn}  {context.get('approximateInvokeCount', '?')} attempt(s)  {error}"


def list_failures(folder: Path, *, sub: str = "") -> list[StoredFailure]:
    """The messages kept in ``folder`` (or its ``sub`` folder), oldest first."""
    where = folder / sub if sub else folder
    if not where.is_dir():
        return []
    found = []
    for path in sorted(where.glob("*.json")):
        found.append(StoredFailure(path.stem, path, json.loads(path.read_text(encoding="utf-8"))))
    return found


def redrive(folder: Path, ids: list[str] | None = None) -> list[StoredFailure]:
    """Queue kept messages (all, or those named) for redelivery: they move to ``redrive/``.

    Raises KeyError naming an id that is not kept.
    """
    kept = {f.id: f for f in list_failures(folder)}
    unknown = [i for i in ids or [] if i not in kept]
    if unknown:
        raise KeyError(f"no failed event {', '.join(unknown)} in {folder}")
    chosen = [kept[i] for i in ids] if ids else list(kept.values())
    (folder / REDRIVE).mkdir(parents=True, exist_ok=True)
    for failure in chosen:
        os.replace(failure.path, folder / REDRIVE / failure.path.name)
    return chosen


class RedriveWatcher:
    """Picks up re-driven messages and hands each event back to its function's asynchronous queue."""

    def __init__(self, folder: Path, submit: Callable[[str, bytes], bool], notice: Notice, interval: float = 0.2):
        self.folder = folder
        self._submit = submit
        self._notice = notice
        self._interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._stuck: set[str] = set()  # said once: no function for them here
        self._thread = threading.Thread(target=self._run, name="fc-redrive", daemon=True)
        self._thread.start()

    def pending(self) -> int:
        """Re-driven messages not yet handed back."""
        return len(list_failures(self.folder, sub=REDRIVE))

    def close(self) -> None:
        """Stop watching."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sweep()

    def sweep(self) -> None:
        """Hand every waiting message to its function; one whose function is unknown stays."""
        with self._lock:
            for failure in list_failures(self.folder, sub=REDRIVE):
                if self._submit(failure.function_arn, request_payload(failure.message)):
                    failure.path.unlink()
                    self._notice(f"re-driven {failure.id} to {failure.function_arn}")
                elif failure.id not in self._stuck:
                    self._stuck.add(failure.id)
                    self._notice(f"re-drive of {failure.id}: no function {failure.function_arn} here; it stays queued")
