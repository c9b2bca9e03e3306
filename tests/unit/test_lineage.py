"""Lineage values: the same source version and variant give the same value, anything else does not."""

from __future__ import annotations

import pytest

from ossimg.lineage import LINEAGE, SOURCE, is_current, lineage, made_from, provenance, source_of, variant_of

BASE = ("src", "a/b.jpg", "ETAG1", "image/resize,w_10", "out/a.jpg")


def test_stable_and_ascii():
    value = lineage(*BASE)
    assert value == lineage(*BASE)
    assert value.startswith("ETAG1:")
    assert value.isascii()


def test_every_input_matters():
    values = {lineage(*BASE)}
    for i, other in enumerate(["src2", "a/c.jpg", "ETAG2", "image/resize,w_11", "out/b.jpg"]):
        changed = list(BASE)
        changed[i] = other
        values.add(lineage(*changed))
    assert len(values) == 6


def test_is_current():
    value = lineage(*BASE)
    assert is_current({LINEAGE: value}, value)
    assert not is_current({LINEAGE: "OTHER:1"}, value)
    assert not is_current({}, value)
    assert not is_current(None, value)


@pytest.mark.parametrize(("bucket", "key"), [
    ("src", "a/b.jpg"), ("src", "猫/照片 1.jpg"), ("src", "100%/a+b=c.jpg"), ("src", "dir/#hash#.png"),
])  # fmt: skip
def test_an_output_records_its_source_in_ascii_and_reads_it_back(bucket, key):
    meta = provenance(bucket, key, "photos/", "thumb")
    assert all(value.isascii() for value in meta.values())  # HTTP header values
    assert source_of(meta) == (bucket, key)
    assert made_from(meta, bucket, key)
    assert not made_from(meta, bucket, key + ".other")
    assert variant_of(meta) == "photos/#thumb"


@pytest.mark.parametrize("meta", [None, {}, {SOURCE: ""}, {SOURCE: "no-slash"}, {SOURCE: "%FF%FE/key"}])
def test_what_proves_nothing(meta):
    assert source_of(meta) is None
    assert not made_from(meta, "src", "key")
