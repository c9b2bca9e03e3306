"""The summary line: counts computed from the results, and one outcome word for the whole event."""

from __future__ import annotations

import pytest

from ossimg.decide import Decision
from ossimg.events import ObjectEvent
from ossimg.on_upload import Summary
from ossimg.pipeline import RecordOutcome, Status, VariantResult

RECORD = ObjectEvent("ObjectCreated:PutObject", "b", "uploads/a.jpg")


def made(*statuses):
    return RecordOutcome(Decision(RECORD), None, None, tuple(VariantResult("r/", f"v{n}", s, 1.0)
                                                           for n, s in enumerate(statuses)))  # fmt: skip


SKIPPED = RecordOutcome(Decision(RECORD, skip="no rule matches the key"), "no rule matches the key")


@pytest.mark.parametrize(("outcomes", "invalid", "outcome"), [
    ([made(Status.OK, Status.UP_TO_DATE)], 0, "ok"),
    ([SKIPPED], 0, "ok"),  # nothing to do is not a failure
    ([], 1, "invalid-event"),
    ([made(Status.OK, Status.FAILED_PERMANENT)], 0, "partial"),
    ([made(Status.OK)], 1, "partial"),  # one record unreadable, one made
    ([made(Status.FAILED_PERMANENT, Status.FAILED_PERMANENT)], 0, "failed"),
    ([made(Status.FAILED_PERMANENT)], 1, "failed"),
    ([made(Status.OK, Status.FAILED_TRANSIENT)], 0, "retry"),  # FC retries; lineage skips what is done
    ([made(Status.FAILED_TRANSIENT, Status.FAILED_PERMANENT)], 0, "retry"),
    ([made(Status.REMOVED, Status.ALREADY_GONE, Status.KEPT)], 0, "ok"),  # a deleted source's variants
    ([made(Status.REMOVED, Status.FAILED_PERMANENT)], 0, "partial"),
])  # fmt: skip
def test_outcome(outcomes, invalid, outcome):
    assert Summary.of(outcomes, invalid).outcome == outcome


def test_counts_come_from_the_results():
    summary = Summary.of([made(Status.OK, Status.OK, Status.FAILED_PERMANENT), SKIPPED], invalid=2)
    assert summary.as_fields() == {
        "records": 2, "skipped": 1, "invalid": 2, "variants": 3,
        "ok": 2, "up_to_date": 0, "failed_transient": 0, "failed_permanent": 1,
        "removed": 0, "already_gone": 0, "kept": 0,
    }  # fmt: skip
