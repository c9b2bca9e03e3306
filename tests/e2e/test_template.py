"""template.yml: the function, its triggers and a least-privilege role that covers the rules."""

from __future__ import annotations

import fnmatch

import pytest

from ossimg.rules.load import load_rules
from ossimg_local.fc.template import load_template


@pytest.fixture(name="spec")
def _spec(root):
    (spec,) = load_template(root / "template.yml")
    return spec


def test_handler_and_initializer(spec):
    assert (spec.handler, spec.initializer, spec.runtime) == ("index.handler", "index.initialize", "python3.10")
    assert spec.environment["OSSIMG_RULES"] == "rules.yaml"


def test_triggers_fire_once_per_completed_upload(spec):
    for trigger in spec.triggers:
        assert set(trigger.events) == {
            "oss:ObjectCreated:PutObject", "oss:ObjectCreated:PostObject", "oss:ObjectCreated:CompleteMultipartUpload",
        }  # fmt: skip
    assert spec.triggers[0].matches("ossimg-uploads", "ObjectCreated:PutObject", "uploads/a.jpg")
    assert not spec.triggers[0].matches("ossimg-uploads", "ObjectCreated:UploadPart", "uploads/a.jpg")


def statements(spec):
    return [s for policy in spec.policies for s in policy["Statement"]]


def allowed(spec, action, resource):
    return any(
        action in s["Action"] and any(fnmatch.fnmatchcase(resource, r) for r in s["Resource"]) for s in statements(spec)
    )


def test_role_is_least_privilege(spec):
    actions = {a for s in statements(spec) for a in s["Action"]}
    assert actions == {"oss:GetObject", "oss:PostProcessTask", "oss:PutObject", "mns:SendMessage"}
    assert all(r != "*" and not r.endswith(":*") for s in statements(spec) for r in s["Resource"])


def test_role_covers_every_rule_and_trigger(spec, root):
    rules = load_rules(root / "rules" / "example.yaml")
    for trigger in spec.triggers:
        source = f"acs:oss:*:*:{trigger.bucket}/{trigger.prefix}photo.jpg"
        assert allowed(spec, "oss:PostProcessTask", source)
        assert allowed(spec, "oss:GetObject", source)
        assert any(r.prefix.startswith(trigger.prefix) for r in rules.rules)
    for rule in rules.rules:
        for variant in rule.variants:
            bucket = variant.bucket or "ossimg-uploads"
            prefix = variant.key_template.split("{")[0]
            assert allowed(spec, "oss:PutObject", f"acs:oss:*:*:{bucket}/{prefix}x"), variant.name


def test_outputs_in_the_source_bucket_never_retrigger(spec, root):
    rules = load_rules(root / "rules" / "example.yaml")
    for rule in rules.rules:
        for variant in rule.variants:
            if variant.bucket is None:
                prefix = variant.key_template.split("{")[0]
                assert not any(prefix.startswith(t.prefix) or t.prefix.startswith(prefix) for t in spec.triggers)


def test_role_can_read_every_watermark_image(spec, root):
    from ossimg.img.chain import parse
    from ossimg.img.ops import Watermark

    rules = load_rules(root / "rules" / "example.yaml")
    images = [
        op.image_key
        for r in rules.rules
        for v in r.variants
        for op in parse(v.chain)
        if isinstance(op, Watermark) and op.image_key
    ]
    assert images, "the example rules should show an image watermark"
    for key in images:
        assert allowed(spec, "oss:GetObject", f"acs:oss:*:*:ossimg-uploads/{key}")


def test_failed_events_are_retried_then_kept(spec):
    assert spec.async_retries == 3
    assert spec.on_failure.startswith("acs:mns:")
    queue = spec.on_failure.split(":", 4)[4]
    assert allowed(spec, "mns:SendMessage", f"acs:mns:*:*:{queue}")
