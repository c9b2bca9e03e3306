"""The failures file as a source for ``--redrive``: every object once, even when a run stops inside a line."""

from __future__ import annotations

import pytest

from ossimg_local.backfill.batches import Batch, record
from ossimg_local.backfill.failures import FailedEvents, FailureLog
from ossimg_local.backfill.objects import Entry

KEYS = [f"photos/p{n}.jpg" for n in range(6)]


@pytest.fixture(name="failures")
def _failures(tmp_path):
    """A file of two lines: a whole batch of five that failed, then one record that failed alone."""
    log = FailureLog(tmp_path / "run.failures.jsonl")
    records = [record(Entry("ossimg-uploads", key, 10, "ABC", 1714550400.0), "cn-hangzhou") for key in KEYS]
    log.batch(Batch("run-0", records[:5]), "Failed: after 3 attempts")
    log.record(Batch("run-1", records[5:]), records[5], "photos/#small: InvalidKey: too long")
    return log.path


def test_every_failed_object_is_read_back_with_what_the_event_said(failures):
    read = list(FailedEvents(failures).entries(None))
    assert [entry.key for entry, _ in read] == KEYS
    assert read[0][0] == Entry("ossimg-uploads", "photos/p0.jpg", 10, "ABC", 1714550400.0)


@pytest.mark.parametrize("stopped_after", range(len(KEYS)))
def test_a_run_resumed_from_any_records_cursor_reads_exactly_the_rest(failures, stopped_after):
    # A batch of --redrive ends wherever --batch says: often inside a line that holds a whole failed batch.
    cursors = [cursor for _, cursor in FailedEvents(failures).entries(None)]
    rest = [entry.key for entry, _ in FailedEvents(failures).entries(cursors[stopped_after])]
    assert rest == KEYS[stopped_after + 1 :]


def test_a_cursor_naming_only_a_line_resumes_after_all_of_it(failures):
    assert [entry.key for entry, _ in FailedEvents(failures).entries({"line": 1})] == KEYS[5:]
