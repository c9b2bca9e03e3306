"""`ossimg up` as a user runs it, in a process of its own: its output read as it comes."""

from __future__ import annotations

import contextlib
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class RunningUp:
    """The process, every line it printed so far, and ``wait_for`` a line to come."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line)

    def wait_for(self, pattern: str, timeout: float = 120) -> re.Match[str]:
        """The first line so far, or to come, that matches ``pattern``."""
        deadline = time.monotonic() + timeout
        checked = 0
        while True:
            for line in self.lines[checked:]:
                found = re.search(pattern, line)
                if found:
                    return found
            checked = len(self.lines)
            left = deadline - time.monotonic()
            if left <= 0 or (self.proc.poll() is not None and self._new.empty()):
                raise AssertionError(f"no line matching {pattern!r}:\n" + "\n".join(self.lines))
            with contextlib.suppress(queue.Empty):
                self._new.get(timeout=min(left, 1))

    @property
    def endpoint(self) -> str:
        return self.wait_for(r"OSS endpoint\s+(http://\S+)").group(1)


@contextmanager
def running_up(tmp_path: Path, *args: str) -> Iterator[RunningUp]:
    """``ossimg up --port 0`` with its own data and build folders, stopped with Ctrl-C at the end."""
    command = [sys.executable, "-m", "ossimg_local.cli", "up", "--port", "0", "--data", str(tmp_path / "data"),
               "--build", str(tmp_path / "build"), "--instances", "2", *args]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        up = RunningUp(proc)
        up.wait_for(r"^  gallery ")
        yield up
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
