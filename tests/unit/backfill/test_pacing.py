"""Times and pace: the UTC times --since, --until and inventories write, and the invocation rate limit."""

from __future__ import annotations

import pytest

from ossimg_local.backfill.fc_dispatch import RateLimit
from ossimg_local.backfill.objects import Window, iso, parse_time


@pytest.mark.parametrize(("text", "seconds"), [
    ("2024-05-01", 1714521600.0),
    ("2024-05-01T08:00:00Z", 1714550400.0),
    ("2024-05-01T08:00:00.000Z", 1714550400.0),  # how OSS events and listings write times
    ("2020-05-17T16-00Z", 1589731200.0),  # the form of OSS inventory folder names
    ("2024-05-01T08:00:00+00:00", 1714550400.0),
])  # fmt: skip
def test_utc_times(text, seconds):
    assert parse_time(text) == seconds


@pytest.mark.parametrize("text", ["yesterday", "2024-05-01T08:00:00+08:00", "05/01/2024"])
def test_times_that_are_refused(text):
    with pytest.raises(ValueError, match="is not a UTC time"):
        parse_time(text)


def test_iso_is_what_oss_events_write():
    assert iso(1714550400.0) == "2024-05-01T08:00:00.000Z"


def test_since_is_inclusive_until_is_not():
    window = Window(parse_time("2024-05-01"), parse_time("2024-05-02"))
    assert [window.admits(parse_time(t)) for t in ("2024-04-30T23:59:59Z", "2024-05-01", "2024-05-02")] == [
        False, True, False,
    ]  # fmt: skip
    assert window.admits(None)  # a time nobody knows is not a reason to skip


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_at_most_rate_invocations_a_second():
    clock = Clock()
    limit = RateLimit(4.0, clock=clock, sleep=clock.sleep)
    for _ in range(12):
        limit.take()
    # a burst of 4, then one every quarter second: 12 in 2 seconds
    assert clock.now == pytest.approx(2.0)
    assert all(s == pytest.approx(0.25) for s in clock.slept)
