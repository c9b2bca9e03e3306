"""Which OSS failures are worth trying again, and how long to wait: exponential backoff with full
jitter, never past the invocation's deadline."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import NamedTuple

# OSS answers throttling with 503 ServerBusy or 429, and asks to retry other 5xx (OSS "Error responses").
TRANSIENT_CODES = frozenset(
    {"ServerBusy", "Throttling", "TooManyRequests", "RequestTimeout", "InternalError", "ConnectionError"}
)


def is_transient(status: int, code: str) -> bool:
    """True for errors a later attempt may not meet (status < 0 means no HTTP answer at all)."""
    return status < 0 or status == 429 or status >= 500 or code in TRANSIENT_CODES


class Deadline(NamedTuple):
    """The moment by which this invocation must have answered, on the monotonic clock, and the
    ``grace`` FC gives it beyond that moment before it ends the invocation (the margin kept for
    answering: a call made before the deadline may still be running in it)."""

    at: float
    clock: Callable[[], float] = time.monotonic
    grace: float = 0.0

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic, grace: float = 0.0) -> Deadline:
        """A deadline ``seconds`` from now, with ``grace`` seconds more before FC ends the invocation."""
        return cls(clock() + seconds, clock, grace)

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - self.clock()

    def lifetime(self) -> float:
        """Seconds until FC ends this invocation, whatever it is doing then."""
        return self.remaining() + self.grace


class Backoff:
    """Up to ``attempts`` tries; before try n+1 wait a random time in [0, min(cap, base * 2**n)]."""

    def __init__(
        self, attempts: int = 5, base: float = 0.05, cap: float = 2.0, rng: random.Random | None = None
    ) -> None:
        self.attempts = attempts
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()

    def delay(self, attempt: int) -> float:
        """The wait after failed try number ``attempt`` (0-based): full jitter, so retries spread out."""
        return self.rng.uniform(0, min(self.cap, self.base * 2**attempt))

    def retry(self, attempt: int, deadline: Deadline, sleep: Callable[[float], None] = time.sleep) -> bool:
        """Wait before another try and say whether one is allowed (tries left, time left)."""
        if attempt + 1 >= self.attempts:
            return False
        wait = self.delay(attempt)
        if deadline.remaining() <= wait:
            return False
        sleep(wait)
        return True
