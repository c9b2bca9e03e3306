"""Retries: which failures are transient, and backoff that respects tries and the deadline."""

from __future__ import annotations

import random

import pytest

from ossimg.retry import Backoff, Deadline, is_transient


@pytest.mark.parametrize(("status", "code", "transient"), [
    (503, "ServerBusy", True), (500, "InternalError", True), (429, "Throttling", True), (-2, "ConnectionError", True),
    (-1, "RequestError", True), (400, "InvalidArgument", False), (403, "AccessDenied", False),
    (404, "NoSuchKey", False), (404, "NoSuchBucket", False), (400, "ImageTooLarge", False),
])  # fmt: skip
def test_classification(status, code, transient):
    assert is_transient(status, code) is transient


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_full_jitter_stays_within_the_exponential_cap():
    backoff = Backoff(base=0.1, cap=1.0, rng=random.Random(3))
    for attempt in range(8):
        bound = min(1.0, 0.1 * 2**attempt)
        assert all(0 <= backoff.delay(attempt) <= bound for _ in range(50))


def test_retry_sleeps_then_allows_until_tries_run_out():
    clock, slept = FakeClock(), []
    backoff = Backoff(attempts=3, base=0.1, rng=random.Random(1))
    deadline = Deadline.after(60, clock)
    assert backoff.retry(0, deadline, slept.append)
    assert backoff.retry(1, deadline, slept.append)
    assert not backoff.retry(2, deadline, slept.append)
    assert len(slept) == 2


def test_no_retry_past_the_deadline():
    clock = FakeClock()
    deadline = Deadline.after(0.01, clock)
    backoff = Backoff(attempts=10, base=1.0, rng=random.Random(5))
    clock.now += 0.02
    assert deadline.remaining() < 0
    assert not backoff.retry(0, deadline, lambda _: pytest.fail("must not sleep"))
