"""Existing objects as OSS trigger events: what the function reads back, and how they pack into invocations."""

from __future__ import annotations

import json

import pytest

from ossimg.events import parse_event
from ossimg_local.backfill.batches import MAX_PAYLOAD, Packer, as_object_event, record
from ossimg_local.backfill.objects import Entry

ENTRY = Entry("ossimg-uploads", "uploads/猫/a b.jpg", 2048, "5EB63BBBE01EEED093CB22BB8F5ACDC3", 1714550400.0)


def test_the_function_reads_each_record_as_the_object_it_describes():
    (parsed,) = parse_event(json.dumps({"events": [record(ENTRY, "cn-hangzhou")]})).records
    assert parsed == as_object_event(ENTRY, "cn-hangzhou")
    assert (parsed.event_name, parsed.bucket, parsed.key, parsed.size, parsed.etag, parsed.event_time) == (
        "ObjectCreated:PutObject", "ossimg-uploads", "uploads/猫/a b.jpg", 2048, "5EB63BBBE01EEED093CB22BB8F5ACDC3",
        "2024-05-01T08:00:00.000Z",
    )  # fmt: skip


def test_what_a_listing_does_not_know_is_left_out():
    (parsed,) = parse_event(json.dumps({"events": [record(Entry("b-1", "k"), "cn-hangzhou")]})).records
    assert (parsed.size, parsed.etag, parsed.event_time, parsed.content_type) == (None, None, "", None)


def packed(packer, docs):
    out = []
    for n, doc in enumerate(docs):
        if (before := packer.overflow(doc)) is not None:
            out.append(before)
        if (full := packer.add(doc, {"after": n})) is not None:
            out.append(full)
    if (last := packer.flush()) is not None:
        out.append(last)
    return out


def test_batches_of_at_most_size_records_each_resuming_after_its_last():
    batches = packed(Packer("run-s", 4), [record(Entry("b-1", f"k{n}"), "r") for n in range(10)])
    assert [(b.id, len(b.records), b.cursor) for b in batches] == [
        ("run-s-0", 4, {"after": 3}), ("run-s-1", 4, {"after": 7}), ("run-s-2", 2, {"after": 9}),
    ]  # fmt: skip


def test_no_invocation_is_over_fcs_128_kb_async_payload():
    long_key = "k/" + "x" * 1000  # OSS keys reach 1023 bytes
    batches = packed(Packer("run-s", 1000), [record(Entry("b-1", f"{long_key}{n}"), "r") for n in range(300)])
    assert len(batches) > 1
    assert all(len(b.payload) <= MAX_PAYLOAD < 128 * 1024 for b in batches)
    assert sum(len(b.records) for b in batches) == 300


@pytest.mark.parametrize("size", [1, 3])
def test_a_batch_round_trips_through_its_document(size):
    (batch,) = packed(Packer("r", size), [record(ENTRY, "r")])
    again = type(batch).from_doc(json.loads(json.dumps(batch.to_doc())))
    assert (again.id, again.payload, again.cursor) == (batch.id, batch.payload, batch.cursor)
