"""The IMG memory budget: requests run when they fit, queue in order while it is in use, and are
refused when they could never fit (the emulator's admission.MemoryBudget)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from ossimg_local.emulator.admission import MemoryBudget
from ossimg_local.emulator.errors import MemLimitExceeded

MB = 1 << 20


class Holder:
    """A request in its own thread: admitted with ``cost``, holding the budget until ``finish()``."""

    def __init__(self, budget: MemoryBudget, cost: int, log: list[str], name: str) -> None:
        self.done = threading.Event()
        self.admitted = threading.Event()

        def run() -> None:
            with budget.admit(cost):
                log.append(name)
                self.admitted.set()
                self.done.wait(10)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def finish(self) -> None:
        self.done.set()
        self.thread.join(10)


@contextmanager
def holding(budget: MemoryBudget, cost: int, log: list[str], name: str) -> Iterator[Holder]:
    holder = Holder(budget, cost, log, name)
    try:
        yield holder
    finally:
        holder.finish()


def wait_until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError("condition never held")


def test_requests_that_fit_together_run_together():
    budget, log = MemoryBudget(100 * MB), []
    with holding(budget, 60 * MB, log, "a") as a, holding(budget, 40 * MB, log, "b") as b:
        assert a.admitted.wait(10)
        assert b.admitted.wait(10)
        assert budget.used == 100 * MB
    assert budget.used == 0
    assert budget.waits == 0


def test_a_request_waits_while_the_budget_is_in_use():
    budget, log = MemoryBudget(100 * MB), []
    with holding(budget, 70 * MB, log, "first") as first:
        assert first.admitted.wait(10)
        with holding(budget, 70 * MB, log, "second") as second:
            wait_until(lambda: budget.waiting == 1)
            assert not second.admitted.is_set()
            first.finish()
            assert second.admitted.wait(10)
    assert log == ["first", "second"]
    assert budget.waits == 1
    assert budget.peak == 70 * MB


def test_the_queue_is_first_come_first_served():
    """A small request behind a large waiting one does not overtake it: large ones never starve."""
    budget, log = MemoryBudget(100 * MB), []
    with holding(budget, 60 * MB, log, "running") as running:
        assert running.admitted.wait(10)
        with holding(budget, 90 * MB, log, "large") as large:
            wait_until(lambda: budget.waiting == 1)
            with holding(budget, 10 * MB, log, "small") as small:
                wait_until(lambda: budget.waiting == 2)
                assert not small.admitted.is_set()  # 10 MB would fit, but the large one is first
                running.finish()
                assert large.admitted.wait(10)
                assert small.admitted.wait(10)
    assert log == ["running", "large", "small"]


def test_a_request_larger_than_the_whole_budget_is_refused():
    budget = MemoryBudget(100 * MB)
    with pytest.raises(MemLimitExceeded, match=r"needs about 101 MB.*100 MB"), budget.admit(101 * MB):
        pytest.fail("admitted")
    assert (budget.used, budget.waiting) == (0, 0)


def test_the_budget_is_given_back_when_the_request_fails():
    budget = MemoryBudget(100 * MB)
    with pytest.raises(RuntimeError), budget.admit(80 * MB):
        raise RuntimeError("the step failed")
    assert budget.used == 0
