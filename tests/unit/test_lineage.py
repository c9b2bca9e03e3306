"""Lineage values: the same source version and variant give the same value, anything else does not."""

from __future__ import annotations

from ossimg.lineage import LINEAGE, is_current, lineage

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
