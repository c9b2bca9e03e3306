"""The checkpoint: written whole or not at all, at most every interval, and only ever resumed by its own run."""

from __future__ import annotations

import json

import pytest

from ossimg_local.backfill.batches import Batch
from ossimg_local.backfill.checkpoint import Checkpoint, CheckpointError

RUN = {"source": {"kind": "listing", "bucket": "b-1", "prefix": ""}, "since": None, "until": None}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_resumed_run_finds_its_cursor_its_batches_in_flight_and_its_counts(tmp_path):
    path = tmp_path / "cp.json"
    first = Checkpoint.open(path, RUN)
    first.dispatched(Batch("run-a-0", [{"k": 1}], {"after": "k1"}))
    first.dispatched(Batch("run-a-1", [{"k": 2}], {"after": "k2"}))
    first.settled("run-a-0")
    first.counts = {"done": 1}
    first.save(force=True)
    again = Checkpoint.open(path, RUN)
    assert again.resumed
    assert (again.run_id, again.cursor, list(again.pending), again.counts) == (
        first.run_id, {"after": "k2"}, ["run-a-1"], {"done": 1},
    )  # fmt: skip
    assert again.session != first.session  # a resumed run names its batches apart from the first one's


def test_saved_at_most_every_interval_unless_forced(tmp_path):
    clock = Clock()
    checkpoint = Checkpoint(tmp_path / "cp.json", RUN, interval=0.5, clock=clock)
    checkpoint.save()
    checkpoint.cursor = {"after": "x"}
    checkpoint.save()
    assert json.loads(checkpoint.path.read_text())["cursor"] is None
    clock.now = 0.6
    checkpoint.save()
    assert json.loads(checkpoint.path.read_text())["cursor"] == {"after": "x"}
    assert not (tmp_path / "cp.json.tmp").exists()


def test_another_runs_checkpoint_is_refused(tmp_path):
    path = tmp_path / "cp.json"
    Checkpoint.open(path, RUN).save(force=True)
    other = {**RUN, "source": {"kind": "listing", "bucket": "b-2", "prefix": ""}}
    with pytest.raises(CheckpointError, match="is the checkpoint of another run"):
        Checkpoint.open(path, other)
    path.write_text("{half a file")
    with pytest.raises(CheckpointError, match="cannot be read"):
        Checkpoint.open(path, RUN)


def test_a_finished_run_leaves_no_checkpoint(tmp_path):
    checkpoint = Checkpoint.open(tmp_path / "cp.json", RUN)
    checkpoint.save(force=True)
    checkpoint.finish()
    assert not Checkpoint.open(tmp_path / "cp.json", RUN).resumed
