"""template.yml: the function, its triggers and a least-privilege role that covers the rules."""

from __future__ import annotations

import pytest

from ossimg.rules.load import load_rules
from ossimg_local.deploy.needs import role_needs
from ossimg_local.fc.template import load_template
from ossimg_local.ram import Policy


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


def granted(spec, service="oss"):
    """Every (action, resource) pair the role's statements allow, for one service."""
    return {
        (action, resource)
        for s in statements(spec)
        for action in s["Action"]
        for resource in s["Resource"]
        if action.startswith(service + ":")
    }


def needed(rules, spec):
    """What the function does with these rules, as (RAM action, resource) pairs, for OSS: the one
    derivation (``ossimg_local.deploy.needs``) that `ossimg template` prints and `--check` compares."""
    return {pair for s in role_needs(rules, spec) for pair in s.pairs() if pair[0].startswith("oss:")}


def test_the_role_grants_exactly_what_the_rules_need(spec, root):
    assert granted(spec) == needed(load_rules(root / "rules" / "example.yaml"), spec)


def test_the_role_only_allows_and_names_what_it_allows(spec):
    for s in statements(spec):
        assert s["Effect"] == "Allow"
        assert set(s) == {"Effect", "Action", "Resource"}, "no NotAction or NotResource: they grant by omission"
        assert all("*" not in action for action in s["Action"])
        assert all(resource != "*" and not resource.endswith(":*") for resource in s["Resource"])


def test_the_role_covers_every_trigger(spec, root):
    role = Policy.from_documents(spec.policies)
    rules = load_rules(root / "rules" / "example.yaml")
    for trigger in spec.triggers:
        upload = f"acs:oss:cn-hangzhou:1234567890123456:{trigger.bucket}/{trigger.prefix}photo.jpg"
        assert role.allows("oss:PostProcessTask", upload)
        assert role.allows("oss:GetObject", upload)
        assert any(r.prefix.startswith(trigger.prefix) for r in rules.rules)


def test_outputs_in_the_source_bucket_never_retrigger(spec, root):
    rules = load_rules(root / "rules" / "example.yaml")
    for rule in rules.rules:
        for variant in rule.variants:
            if variant.bucket is None:
                prefix = variant.key_template.split("{")[0]
                assert not any(prefix.startswith(t.prefix) or t.prefix.startswith(prefix) for t in spec.triggers)


def test_failed_events_are_retried_then_kept(spec):
    assert spec.async_retries == 3
    assert spec.on_failure.startswith("acs:mns:")
    queue = spec.on_failure.split(":", 4)[4]
    assert granted(spec, "mns") == {("mns:SendMessage", f"acs:mns:*:*:{queue}")}


def test_the_function_logs_to_log_service(spec):
    assert (spec.log.project, spec.log.logstore, spec.log.request_metrics) == ("ossimg-logs", "on-upload", True)
    assert granted(spec, "log") == {("log:PostLogStoreLogs", "acs:log:*:*:project/ossimg-logs/logstore/on-upload")}


def test_the_destination_names_no_account_of_its_own(spec):
    """Deploy completes acs:mns::: with its region and account; no placeholder account is sent."""
    assert spec.on_failure == "acs:mns:::/queues/ossimg-failed/messages"
