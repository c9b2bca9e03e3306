"""The emulator's memory budget for IMG requests.

Every IMG request is planned before any pixel moves (engine.plan): its cost is the most memory it
will hold at once. It runs when that fits in what the budget has free, waits its turn (first come,
first served, so a large request is never starved by small ones) while other requests hold the
budget, and is refused with ``MemLimitExceeded`` when it could never fit, even alone: OSS answers
that code for images beyond what it processes (its IMG FAQ), and a request larger than the
emulator's whole budget is exactly that here. The budget is set with ``ossimg emulator
--img-memory MB`` (default 1024).

Freed memory goes back to the system. glibc serves a large allocation from its heap arenas once a
block that size has been freed (its mmap threshold rises to match), and keeps what is freed there.
Measured with issue #9's bombs run four at a time in the ``ossimg emulator`` process
(tests/emulator/test_img_memory.py): with neither remedy below the process stayed at 497 MB after
the requests; with the threshold fixed at 1 MB (``mallopt``: every image buffer is mapped on its
own and unmapped when freed) 54 MB, with ``malloc_trim`` alone 57 MB, with both 51 MB (45 MB before
the requests), and the peak fell from 576 to 553 MB. Both are used: trimming runs when the last
request leaves after a large one (trimming while others run would miss what they free afterwards).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import threading
from collections import deque
from collections.abc import Iterator
from functools import cache

from . import errors

MB = 1 << 20
DEFAULT_BUDGET = 1024 * MB
# Requests at least this large have memory handed back to the system once no request is running.
TRIM_AFTER = 32 * MB
# Allocations at least this large are mapped on their own, and unmapped when freed.
MMAP_THRESHOLD = 1 * MB
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number


class MemoryBudget:
    """A byte budget with a queue: ``admit(cost)`` holds ``cost`` bytes of it while the block runs."""

    def __init__(self, total: int = DEFAULT_BUDGET) -> None:
        tune_allocator()
        self.total = total
        self.used = 0
        self.peak = 0  # the most ever admitted at once
        self.waits = 0  # requests that had to wait for their turn
        self._queue: deque[object] = deque()
        self._turn = threading.Condition()
        self._large = False  # a large request ran since memory was last given back

    @contextlib.contextmanager
    def admit(self, cost: int) -> Iterator[None]:
        """Run the block once ``cost`` bytes are free and every earlier request was admitted.
        Raises MemLimitExceeded when ``cost`` is more than the whole budget."""
        if cost > self.total:
            raise errors.MemLimitExceeded(
                f"Processing this image needs about {_mb(cost)} MB of memory, more than the emulator's "
                f"image memory ({_mb(self.total)} MB, ossimg emulator --img-memory)."
            )
        self._enter(cost)
        try:
            yield
        finally:
            with self._turn:
                self.used -= cost
                self._large |= cost >= TRIM_AFTER
                # Trim when the last request leaves after a large one: trimming while others run
                # would leave whatever they free afterwards in the allocator's arenas.
                trim, self._large = (self._large, False) if self.used == 0 else (False, self._large)
                self._turn.notify_all()
            if trim:
                release_memory()

    @property
    def waiting(self) -> int:
        """Requests queued for their turn now."""
        with self._turn:
            return len(self._queue)

    def _enter(self, cost: int) -> None:
        ticket = object()
        with self._turn:
            self._queue.append(ticket)
            if not self._fits(ticket, cost):
                self.waits += 1
            try:
                while not self._fits(ticket, cost):
                    self._turn.wait()
            finally:
                self._queue.remove(ticket)
                self._turn.notify_all()  # whoever is next may fit beside this one
            self.used += cost
            self.peak = max(self.peak, self.used)

    def _fits(self, ticket: object, cost: int) -> bool:
        return self._queue[0] is ticket and self.used + cost <= self.total


def _mb(size: int) -> int:
    return -(-size // MB)


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


@cache
def tune_allocator() -> None:
    """Fix glibc's mmap threshold (process-wide, once; a no-op elsewhere)."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def release_memory() -> None:
    """Return the C heap's free memory to the system (glibc's ``malloc_trim``; a no-op elsewhere)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
