"""Planning: which rule matches a key, and each variant's target and exact process text."""

from __future__ import annotations

import pytest

from ossimg.events import ObjectEvent
from ossimg.img.chain import b64url
from ossimg.plan import PlanError, VariantPlan, plan_event
from ossimg.rules.load import load_rules, parse_rules


@pytest.fixture(name="rules")
def _rules(root):
    return load_rules(root / "rules" / "example.yaml")


def event(key, bucket="ossimg-uploads"):
    return ObjectEvent("ObjectCreated:PutObject", bucket, key)


def test_a_matching_key_gets_one_plan_per_variant(rules):
    rule, plans = plan_event(event("uploads/photos/cat.jpg"), rules)
    assert rule is not None
    assert rule.prefix == "uploads/"
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
        f"|sys/saveas,o_{b64url('thumbs/uploads/a.webp')},b_{b64url('ossimg-variants')}"
    )


def test_no_rule_matches(rules):
    assert plan_event(event("elsewhere/a.jpg"), rules) == (None, [])


def test_longest_prefix_wins():
    text = b"""version: 1
rules:
  a/: {variants: {v: {ops: 'image/info', key: 'short/{name}'}}}
  a/b/: {variants: {v: {ops: 'image/info', key: 'long/{name}'}}}
"""
    rules = parse_rules(text, source="x")
    assert plan_event(event("a/b/c.jpg"), rules)[1][0].target_key == "long/c.jpg"
    assert plan_event(event("a/c.jpg"), rules)[1][0].target_key == "short/c.jpg"


@pytest.mark.parametrize(("key", "fmt"), [("a/x.jpeg", "jpg"), ("a/x.TIF", "tiff"), ("a/x.PNG", "png")])
def test_format_placeholder_without_a_format_action_follows_the_source(key, fmt):
    text = b"version: 1\nrules: {a/: {variants: {v: {ops: 'image/resize,w_9', key: 'o/{stem}.{format}'}}}}"
    rules = parse_rules(text, source="x")
    assert plan_event(event(key), rules)[1][0].target_key == f"o/x.{fmt}"


def test_a_key_the_template_cannot_render_is_a_plan_error():
    rules = parse_rules(b"version: 1\nrules: {'': {variants: {v: {ops: 'image/info', key: '{dir}'}}}}", source="x")
    (result,) = plan_event(event("a.jpg"), rules)[1]
    assert isinstance(result, PlanError)
    assert "empty key" in result.message
