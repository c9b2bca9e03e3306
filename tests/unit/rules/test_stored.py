"""Compiled rules on disk: the same answers as the rules in memory, reading only what a key needs."""

from __future__ import annotations

import pytest

from ossimg.rules.load import parse_rules
from ossimg.rules.stored import StoredRules, compiled_path, open_compiled, write_compiled

RULES = b"""
version: 1
rules:
  "": {bucket: src, variants: {all: {ops: image/info, key: "meta/{key}.json", bucket: out}}}
  photos/:
    - {name: jpeg, suffix: [.jpg], stop: false,
       variants: {t: {ops: "image/resize,w_10", key: "t/{stem}-{variant}.jpg", bucket: out}}}
    - {name: any, variants: {s: {ops: "image/resize,w_20", key: "s/{dir}/{name}", bucket: out}}}
  photos/2026/: {glob: "photos/2026/*/cover.*", variants: {c: {ops: "image/resize,w_30", key: "c/{key}", bucket: out}}}
  docs/: {variants: {p: {ops: "image/format,png", key: "p/{stem}.{format}", bucket: out}}}
"""
KEYS = ["photos/a.jpg", "photos/2026/trip/cover.png", "photos/2026/x/y/cover.png", "docs/a.gif", "other.jpg",
        "t/a-t.jpg", "s/photos/a.jpg", "meta/x.json", "p/a.png", "c/photos/2026/t/cover.png", ""]  # fmt: skip


@pytest.fixture(name="both")
def _both(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_bytes(RULES)
    memory = parse_rules(RULES, source=str(path))
    write_compiled(memory, RULES, compiled_path(path))
    stored = open_compiled(compiled_path(path), RULES, str(path))
    assert isinstance(stored, StoredRules)
    return memory, stored


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("bucket", ["src", "out"])
def test_the_same_answers_as_in_memory(both, key, bucket):
    memory, stored = both
    assert stored.match(key, bucket) == memory.match(key, bucket)
    assert stored.explain(key, bucket) == memory.explain(key, bucket)
    assert stored.produced_by(bucket, key) == memory.produced_by(bucket, key)


def test_a_key_reads_only_its_own_prefixes(both):
    _, stored = both
    stored.match("photos/a.jpg", "src")
    # Looked up: one prefix per distinct length that fits the key (photos/2026/ has the key's 12
    # characters: "photos/a.jpg", absent); found and read: photos/ only, whose "any" rule stops.
    assert stored._rules == {"photos/a.jpg": (), "photos/": stored.with_prefix("photos/")}


def test_every_rule_is_kept(both):
    memory, stored = both
    assert stored.all_rules() == memory.rules


def test_other_bytes_are_not_trusted(tmp_path):
    path = tmp_path / "rules.yaml"
    write_compiled(parse_rules(RULES, source="x"), RULES, compiled_path(path))
    assert open_compiled(compiled_path(path), RULES + b"\n# edited\n", "x") is None
    assert open_compiled(tmp_path / "absent.compiled", RULES, "x") is None
