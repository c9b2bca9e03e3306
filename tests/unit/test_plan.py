"""Planning: the variants an upload becomes, each with its target and exact process text."""

from __future__ import annotations

import pytest

from ossimg.events import ObjectEvent
from ossimg.plan import PlanError, VariantPlan, plan_event
from ossimg.rules.load import load_rules, parse_rules


@pytest.fixture(name="rules")
def _rules(root):
    return load_rules(root / "rules" / "example.yaml")


def event(key, bucket="ossimg-uploads", **fields):
    return ObjectEvent("ObjectCreated:PutObject", bucket, key, **fields)


def test_a_matching_key_gets_one_plan_per_variant(rules):
    matched, plans = plan_event(event("uploads/photos/cat.jpg"), rules)
    assert [r.prefix for r in matched] == ["uploads/"]
    assert [(p.variant, p.target_bucket, p.target_key) for p in plans] == [
        ("thumb", "ossimg-variants", "thumbs/uploads/photos/cat.webp"),
        ("large", "ossimg-uploads", "variants/large/uploads/photos/cat.jpg"),
        ("preview", "ossimg-variants", "previews/uploads/photos/cat-preview.png"),
    ]


def test_the_process_text_is_the_chain_then_saveas(rules):
    _, plans = plan_event(event("uploads/a.jpg"), rules)
    thumb = plans[0]
    assert isinstance(thumb, VariantPlan)
    assert thumb.process == (
        "image/resize,m_fill,w_200,h_200/format,webp/quality,q_80"
        "|sys/saveas,o_dGh1bWJzL3VwbG9hZHMvYS53ZWJw,b_b3NzaW1nLXZhcmlhbnRz"
    )


def test_no_rule_matches(rules):
    assert plan_event(event("elsewhere/a.jpg"), rules) == ([], [])


def test_another_bucket_does_not_match_rules_filtered_by_bucket(rules):
    assert plan_event(event("uploads/a.jpg", bucket="somebody-else"), rules) == ([], [])


def test_rules_that_do_not_stop_add_their_variants():
    text = b"""version: 1
rules:
  a/: {bucket: src, variants: {v: {ops: 'image/info', key: 'short/{name}'}}}
  a/b/: {bucket: src, stop: false, variants: {v: {ops: 'image/info', key: 'long/{name}'}}}
"""
    rules = parse_rules(text, source="x")
    assert [p.target_key for p in plan_event(event("a/b/c.jpg", "src"), rules)[1]] == ["long/c.jpg", "short/c.jpg"]
    assert [p.target_key for p in plan_event(event("a/c.jpg", "src"), rules)[1]] == ["short/c.jpg"]


@pytest.mark.parametrize(("key", "fmt"), [("a/x.jpeg", "jpg"), ("a/x.TIF", "tiff"), ("a/x.PNG", "png")])
def test_format_placeholder_without_a_format_action_follows_the_source(key, fmt):
    text = b"version: 1\nrules: {a/: {variants: {v: {ops: 'image/resize,w_9', key: 'o/{stem}.{format}'}}}}"
    assert plan_event(event(key), parse_rules(text, source="x"))[1][0].target_key == f"o/x.{fmt}"


def test_event_fields_fill_placeholders():
    text = b"version: 1\nrules: {a/: {variants: {v: {ops: 'image/info', key: 'o/{year}/{month}/{day}/{etag}.json'}}}}"
    planned = plan_event(
        event("a/x.jpg", etag="ABC123", event_time="2026-11-20T06:45:43.000Z"), parse_rules(text, source="x")
    )
    assert planned[1][0].target_key == "o/2026/11/20/abc123.json"


def test_a_key_the_template_cannot_render_is_a_plan_error():
    text = (
        b"version: 1\nrules: {'': {bucket: src, variants: {v: {ops: image/info, key: 'o/{dir}', bucket: out-bucket}}}}"
    )
    rules = parse_rules(text, source="x")
    (result,) = plan_event(event("a.jpg", "src"), rules)[1]
    assert isinstance(result, PlanError)
    assert "escapes the template's prefix" in result.message


def test_a_gif_format_after_another_one_does_not_rename_a_jpeg_output():
    text = b"version: 1\nrules: {a/: {variants: {v: {ops: 'image/format,png/format,gif', key: 'o/{stem}.{format}'}}}}"
    rules = parse_rules(text, source="x")
    assert plan_event(event("a/x.jpg"), rules)[1][0].target_key == "o/x.png"  # what OSS (and the emulator) writes
    assert plan_event(event("a/x.gif"), rules)[1][0].target_key == "o/x.gif"
