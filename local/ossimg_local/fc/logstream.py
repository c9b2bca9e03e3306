"""An instance's log: its stdout and stderr (one pipe), read line by line and split per request.

The instance writes FC's ``FC Initialize/Invoke Start/End RequestId: <id>`` lines around each
request, after flushing what the function wrote, so everything up to a request's End line belongs to
that request. A function that prints without a final newline would glue its text to the End line;
such a line is split back in two.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

MARKER = re.compile(r"FC (?:Initialize|Invoke) (?:Start|End) RequestId: ")
Echo = Callable[[str], None]


@dataclass
class Capture:
    """The lines of one request, complete once its End line arrived (or the instance died)."""

    request_id: str
    lines: list[str] = field(default_factory=list)
    ended: threading.Event = field(default_factory=threading.Event)

    def end_marker(self, line: str) -> bool:
        """Is ``line`` this request's End line?"""
        return line.startswith(("FC Invoke End RequestId: ", "FC Initialize End RequestId: ")) and line.endswith(
            f"RequestId: {self.request_id}"
        )


class LogStream:
    """Reads an instance's output on a thread of its own; ``capture()`` before sending a request."""

    def __init__(self, pipe: IO[bytes], echo: Echo | None = None, name: str = "instance-log") -> None:
        self._pipe = pipe
        self._echo = echo
        self._lock = threading.Lock()
        self._capture: Capture | None = None
        self.closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def capture(self, request_id: str) -> Capture:
        """Collect what the instance writes from now until ``request_id``'s End line."""
        with self._lock:
            self._capture = Capture(request_id)
            return self._capture

    def append(self, capture: Capture, line: str) -> None:
        """Add a line the runner writes on the instance's behalf (FC's End line after a kill)."""
        with self._lock:
            capture.lines.append(line)
        if self._echo is not None:
            self._echo(line)

    def _run(self) -> None:
        try:
            for raw in self._pipe:
                for line in split_markers(raw.decode("utf-8", errors="replace").rstrip("\r\n")):
                    self._route(line)
        finally:
            self.closed.set()
            with self._lock:
                if self._capture is not None:
                    self._capture.ended.set()

    def _route(self, line: str) -> None:
        with self._lock:
            capture = self._capture
            if capture is not None and not capture.ended.is_set():
                capture.lines.append(line)
                if capture.end_marker(line):
                    capture.ended.set()
        if self._echo is not None:
            self._echo(line)


def split_markers(line: str) -> list[str]:
    """``"text" + "FC Invoke End RequestId: x"`` -> both, each on its own line."""
    found = MARKER.search(line)
    if found is None or found.start() == 0:
        return [line]
    return [line[: found.start()], line[found.start() :]]
