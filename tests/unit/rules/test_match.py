"""Matching: which rules apply to a key, in which order, and why the others do not."""

from __future__ import annotations

import pytest

from ossimg.rules.load import parse_rules

RULES = b"""
version: 1
rules:
  "":
    name: catch-all
    bucket: src
    variants: {v: {ops: image/info, key: "all/{key}.json", bucket: out-bucket}}
  photos/:
    - name: scans
      priority: 10
      suffix: [.tif, .tiff]
      variants: {v: {ops: image/info, key: "scans/{key}.json", bucket: out-bucket}}
    - name: jpeg
      content_type: [image/jpeg]
      stop: false
      variants: {v: {ops: image/info, key: "jpeg/{key}.json", bucket: out-bucket}}
    - name: images
      content_type: ["image/*"]
      variants: {v: {ops: image/info, key: "img/{key}.json", bucket: out-bucket}}
  photos/2024/:
    glob: "photos/2024/*/cover.*"
    variants: {v: {ops: image/info, key: "cover/{key}.json", bucket: out-bucket}}
  tenant/:
    bucket: tenant-a
    variants: {v: {ops: image/info, key: "t/{key}.json", bucket: out-bucket}}
"""


@pytest.fixture(scope="module", name="rules")
def _rules():
    return parse_rules(RULES, source="test")


def names(rules, key, bucket="src", content_type=None):
    return [r.name or r.prefix for r in rules.match(key, bucket, content_type)]


@pytest.mark.parametrize(("key", "bucket", "content_type", "applied"), [
    pytest.param("x.jpg", "src", None, ["catch-all"], id="only-the-empty-prefix"),
    pytest.param("photos/a.png", "src", None, ["images"], id="content-type-guessed-from-the-key"),
    pytest.param("photos/a", "src", "image/png", ["images"], id="content-type-from-the-event"),
    pytest.param("photos/a.jpg", "src", None, ["jpeg", "images"], id="stop-false-continues"),
    pytest.param("photos/a.TIFF", "src", None, ["scans"], id="priority-and-case-insensitive-suffix"),
    pytest.param("photos/a.txt", "src", None, ["catch-all"], id="filters-fail-fall-back-to-shorter-prefix"),
    pytest.param("photos/2024/trip/cover.jpg", "src", None, ["photos/2024/"], id="longest-prefix-first"),
    pytest.param("photos/2024/trip/deep/cover.jpg", "src", None, ["jpeg", "images"], id="glob-star-stays-in-folder"),
    pytest.param("tenant/a.jpg", "tenant-a", None, ["tenant/"], id="bucket-filter-matches"),
    pytest.param("tenant/a.jpg", "tenant-b", None, [], id="bucket-filters-refuse"),
])  # fmt: skip
def test_precedence_and_filters(rules, key, bucket, content_type, applied):
    assert names(rules, key, bucket, content_type) == applied


def test_candidates_in_precedence_order(rules):
    order = [r.name or r.prefix for r in rules.candidates("photos/2024/x.jpg")]
    assert order == ["photos/2024/", "scans", "jpeg", "images", "catch-all"]


def test_explain_says_why(rules):
    verdicts = {(c.rule.name or c.rule.prefix): (c.applied, c.reason) for c in rules.explain("photos/a.jpg", "src")}
    assert verdicts["scans"] == (False, "key does not end with .tif or .tiff")
    assert verdicts["jpeg"] == (True, "prefix, and every filter, match; stop is false, so go on")
    assert verdicts["images"] == (True, "prefix, and every filter, match")
    assert verdicts["catch-all"] == (False, "not reached: an earlier rule matched and stops")


def test_explain_reports_each_refusal(rules):
    reasons = {c.rule.prefix: c.reason for c in rules.explain("tenant/a.txt", "other")}
    assert reasons["tenant/"] == "bucket 'other' is not 'tenant-a'"
    glob = {c.rule.prefix: c.reason for c in rules.explain("photos/2024/x/y/cover.jpg", "src")}
    assert glob["photos/2024/"] == "key does not match glob 'photos/2024/*/cover.*'"


@pytest.mark.parametrize(("glob", "key", "matches"), [
    ("a/*.jpg", "a/x.jpg", True), ("a/*.jpg", "a/b/x.jpg", False), ("a/**.jpg", "a/b/x.jpg", True),
    ("a/**/x.jpg", "a/b/c/x.jpg", True), ("a/?.jpg", "a/x.jpg", True), ("a/?.jpg", "a/xy.jpg", False),
    ("a/[x].jpg", "a/[x].jpg", True),
])  # fmt: skip
def test_glob(glob, key, matches):
    text = f'version: 1\nrules: {{"a/": {{glob: "{glob}", variants: {{v: {{ops: image/info, key: "o/{{key}}"}}}}}}}}'
    rules = parse_rules(text.encode(), source="t")
    assert bool(rules.match(key, "src")) is matches
