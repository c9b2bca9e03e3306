"""Where a resumed backfill starts, and what it counts: every entry once, even after long stretches of
objects no rule wants, and across batches closed because the next record would not fit."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from ossimg.rules.load import parse_rules
from ossimg_local.backfill.batches import Batch
from ossimg_local.backfill.checkpoint import Checkpoint
from ossimg_local.backfill.dispatch import Settled
from ossimg_local.backfill.failures import FailureLog
from ossimg_local.backfill.objects import Entry
from ossimg_local.backfill.progress import Progress
from ossimg_local.backfill.run import Backfill

RULES = parse_rules(b"""
version: 1
region: cn-hangzhou
rules:
  photos/:
    bucket: b-1
    suffix: [.jpg]
    variants:
      small: {ops: [{resize: {w: 16}}], key: "small/{key}", bucket: b-2}
""", source="test")  # fmt: skip
RUN = {"source": {"kind": "list", "name": "test"}, "since": None, "until": None}


class Keys:
    """A source of ``keys`` (cursor: the index read last) that is interrupted, once, after ``stop_at`` entries."""

    def __init__(self, keys: list[str], stop_at: int | None = None) -> None:
        self.keys, self.stop_at = keys, stop_at

    def describe(self) -> dict[str, Any]:
        return RUN["source"]

    def entries(self, cursor: dict[str, Any] | None) -> Iterator[tuple[Entry, dict[str, Any]]]:
        start = int((cursor or {"at": -1})["at"]) + 1
        for index in range(start, len(self.keys)):
            if index == self.stop_at:
                self.stop_at = None
                raise KeyboardInterrupt
            yield Entry("b-1", self.keys[index]), {"at": index}

    def fraction(self) -> float | None:
        return None


class Instantly:
    """Every batch done as soon as it is submitted (what the function does is another test's subject)."""

    capacity, waits_on_interrupt = 4, True

    def __init__(self) -> None:
        self.sent: list[Batch] = []
        self._done: list[Settled] = []

    def submit(self, batch: Batch) -> None:
        self.sent.append(batch)
        self._done.append(Settled(batch, True))

    resume = submit

    def in_flight(self) -> int:
        return len(self._done)

    def wait(self, timeout: float) -> list[Settled]:  # noqa: ARG002 (nothing to wait for)
        done, self._done = self._done, []
        return done

    def close(self) -> None:
        pass


def backfill(tmp_path, source: Keys, **more: Any) -> Backfill:
    checkpoint = Checkpoint.open(tmp_path / "cp.json", RUN, interval=0.0)
    return Backfill(source, RULES, Instantly(), checkpoint, FailureLog(tmp_path / "failures.jsonl"),
                    Progress(io.StringIO(), enabled=False), "cn-hangzhou", **more)  # fmt: skip


def interrupted_then_resumed(tmp_path, keys: list[str], stop_at: int, **more: Any) -> tuple[dict[str, Any], Any]:
    source = Keys(keys, stop_at)
    with pytest.raises(KeyboardInterrupt):
        backfill(tmp_path, source, **more).run()
    saved = json.loads((tmp_path / "cp.json").read_text())
    return saved, backfill(tmp_path, source, **more).run()


def test_a_long_stretch_of_objects_no_rule_wants_still_moves_the_cursor(tmp_path):
    keys = [f"notes/{n:05d}.txt" for n in range(2500)]
    saved, counts = interrupted_then_resumed(tmp_path, keys, stop_at=2300, read_through=1000)
    assert saved["cursor"] == {"at": 1999}  # read through twice: the resume does not start from the top
    assert (saved["counts"]["listed"], saved["counts"]["no_rule"]) == (2000, 2000)
    assert (counts.listed, counts.no_rule, counts.matched) == (2500, 2500, 0)


def test_a_sparse_match_is_sent_at_a_read_through_with_the_cursor_after_what_was_skipped(tmp_path):
    keys = [f"photos/{n:05d}.jpg" if n % 400 == 0 else f"notes/{n:05d}.txt" for n in range(2500)]
    saved, counts = interrupted_then_resumed(tmp_path, keys, stop_at=2300, read_through=1000)
    assert saved["cursor"] == {"at": 1999}
    assert (saved["counts"]["listed"], saved["counts"]["matched"], saved["counts"]["done"]) == (2000, 5, 5)
    assert (counts.listed, counts.matched, counts.dispatched, counts.done) == (2500, 7, 7, 7)


def test_skipped_objects_after_a_batch_closed_for_size_are_counted_once_after_a_resume(tmp_path):
    # Long keys: about 90 records fill an invocation's 120 KB, so batches close when the next one would
    # not fit, with the two objects no rule wants that came after the last record already counted.
    long = "x" * 900
    keys = [key for n in range(300) for key in (f"photos/{long}{n:05d}.jpg", f"photos/{n:05d}a.txt",
                                                 f"photos/{n:05d}b.txt")]  # fmt: skip
    saved, counts = interrupted_then_resumed(tmp_path, keys, stop_at=500, batch_size=1000)
    assert saved["counts"]["listed"] == saved["cursor"]["at"] + 1  # the counts are exactly those up to the cursor
    assert (counts.listed, counts.matched, counts.no_rule, counts.dispatched, counts.done) == (900, 300, 600, 300, 300)
