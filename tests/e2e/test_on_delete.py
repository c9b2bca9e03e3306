"""``on_delete: remove``: the built function, run as FC runs it under a least-privilege role, deletes exactly
the variants a deleted source made (proven by what each one records), idempotently, and nothing else."""

from __future__ import annotations

import json

import pytest

from ossimg.lifecycle import REMOVAL_EVENTS, REMOVAL_TRIGGER_EVENTS, removal_sources, removal_targets
from ossimg.rules.load import load_rules
from ossimg_local.emulator.notify import Notifier, Subscription

from .backfill_kit import ROLE, photo
from .conftest import log_lines

RULES = """
version: 1
region: cn-hangzhou
rules:
  photos/:
    bucket: ossimg-uploads
    on_delete: remove
    variants:
      small: {ops: [{resize: {w: 16}}], key: "small/{key}", bucket: ossimg-variants}
      tiny: {ops: [{resize: {w: 8}}, {format: png}], key: "tiny/{dir}/{stem}.{format}", bucket: ossimg-variants}
  albums/:
    bucket: ossimg-uploads
    variants:
      cover: {ops: [{resize: {w: 16}}], key: "covers/{key}", bucket: ossimg-variants}
"""
VARIANTS_OF_A = ("small/photos/a.jpg", "tiny/photos/a.png")


def role(rules, *, delete=True):
    """ROLE for these rules: uploads under albums/ too, and what lifecycle says on_delete: remove needs."""
    statements = [dict(s) for s in ROLE[0]["Statement"]]
    statements[0] = {**statements[0], "Resource": [*statements[0]["Resource"], "acs:oss:*:*:ossimg-uploads/albums/*"]}
    statements[1] = {**statements[1], "Resource": [*statements[1]["Resource"], "acs:oss:*:*:ossimg-variants/covers/*"]}
    targets = [f"acs:oss:*:*:{bucket}/{start}*" for bucket, start in removal_targets(rules.rules)]
    if delete:
        statements.append({"Effect": "Allow", "Action": ["oss:DeleteObject"], "Resource": targets})
    return [{"Version": "1", "Statement": statements}]


@pytest.fixture(name="rules")
def _rules(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


@pytest.fixture(name="function")
def _function(cloud, rules):
    return cloud.runner(policies=role(load_rules(rules)), OSSIMG_RULES=str(rules))


def event(name, key, etag=None, mime=None):
    obj = {"key": key, **({"eTag": etag} if etag else {}), **({"objectMeta": {"mimeType": mime}} if mime else {})}
    record = {"eventName": name, "eventSource": "acs:oss", "region": "cn-hangzhou",
              "oss": {"bucket": {"name": "ossimg-uploads"}, "object": obj}}  # fmt: skip
    return json.dumps({"events": [record]}).encode()


def upload(cloud, function, *keys, shade=0):
    for key in keys:
        etag = cloud.bucket("ossimg-uploads").put_object(key, photo(shade=shade)).etag
        invocation = function.invoke(event("ObjectCreated:PutObject", key, etag))
        expected = ["ok"] * (2 if key.startswith("photos/") else 1)
        assert [ln["status"] for ln in log_lines(invocation) if ln["msg"] == "variant"] == expected


def delete(cloud, function, key, name="ObjectRemoved:DeleteObject"):
    cloud.bucket("ossimg-uploads").delete_object(key)
    return function.invoke(event(name, key))


def statuses(invocation):
    return {ln["target_key"]: (ln["status"], ln.get("reason", ln.get("error_code", "")))
            for ln in log_lines(invocation) if ln["msg"] == "variant"}  # fmt: skip


def settled(notifier, function):
    """Every notification delivered, and every invocation it caused settled."""
    return notifier.drain(30) and function.drain(60)


def variants(cloud):
    return sorted(o.key for o in cloud.bucket("ossimg-variants").list_objects().object_list)


def test_the_contract_with_the_deployment(rules):
    compiled = load_rules(rules).rules
    assert REMOVAL_TRIGGER_EVENTS == ("oss:ObjectRemoved:DeleteObject", "oss:ObjectRemoved:DeleteObjects")
    assert REMOVAL_EVENTS == ("ObjectRemoved:DeleteObject", "ObjectRemoved:DeleteObjects")
    assert removal_sources(compiled) == [("ossimg-uploads", "photos/")]
    assert removal_targets(compiled) == [("ossimg-variants", "small/"), ("ossimg-variants", "tiny/")]


@pytest.mark.parametrize("name", REMOVAL_EVENTS)
def test_deleting_a_source_removes_exactly_its_variants(cloud, function, name):
    upload(cloud, function, "photos/a.jpg", "photos/b.jpg", "albums/x.jpg")
    cloud.bucket("ossimg-variants").put_object("small/photos/notes.txt", b"someone else's")
    invocation = delete(cloud, function, "photos/a.jpg", name)
    assert statuses(invocation) == dict.fromkeys(VARIANTS_OF_A, ("removed", ""))
    assert log_lines(invocation)[-1]["removed"] == 2
    assert variants(cloud) == ["covers/albums/x.jpg", "small/photos/b.jpg", "small/photos/notes.txt",
                               "tiny/photos/b.png"]  # fmt: skip


def test_a_redelivered_delete_finds_them_gone_and_deletes_nothing(cloud, function):
    upload(cloud, function, "photos/a.jpg")
    assert statuses(delete(cloud, function, "photos/a.jpg")) == dict.fromkeys(VARIANTS_OF_A, ("removed", ""))
    deletes = sum(cloud.backend.faults.counts("delete").values())
    again = function.invoke(event("ObjectRemoved:DeleteObject", "photos/a.jpg"))
    assert statuses(again) == dict.fromkeys(VARIANTS_OF_A, ("already-gone", ""))
    assert sum(cloud.backend.faults.counts("delete").values()) == deletes


def test_an_object_that_was_not_made_from_the_source_is_kept(cloud, function):
    upload(cloud, function, "photos/a.jpg", "photos/b.jpg")
    variants_bucket = cloud.bucket("ossimg-variants")
    variants_bucket.put_object("small/photos/a.jpg", b"put there by hand")  # replaces a's small, records nothing
    variants_bucket.copy_object("ossimg-variants", "tiny/photos/b.png", "tiny/photos/a.png")  # b's, copied over
    assert statuses(delete(cloud, function, "photos/a.jpg")) == {
        "small/photos/a.jpg": ("kept", "the object there records no source: it was not made by ossimg, or before "
                                       "sources were recorded"),
        "tiny/photos/a.png": ("kept", "the object there was made from ossimg-uploads/photos/b.jpg, not from the "
                                      "deleted object"),
    }  # fmt: skip
    assert variants_bucket.object_exists("small/photos/a.jpg")
    assert variants_bucket.object_exists("tiny/photos/a.png")


def test_a_source_uploaded_again_before_its_delete_is_processed_keeps_its_variants(cloud, function):
    upload(cloud, function, "photos/a.jpg")
    cloud.bucket("ossimg-uploads").delete_object("photos/a.jpg")
    upload(cloud, function, "photos/a.jpg", shade=99)  # a new version, whose event ran first
    invocation = function.invoke(event("ObjectRemoved:DeleteObject", "photos/a.jpg"))  # the late delete event
    (skipped, summary) = log_lines(invocation)
    assert skipped["reason"] == "the object exists again (uploaded after the delete): its variants stay"
    assert summary["removed"] == 0
    assert all(cloud.bucket("ossimg-variants").object_exists(key) for key in VARIANTS_OF_A)


def test_a_rule_that_keeps_its_variants_keeps_them(cloud, function):
    upload(cloud, function, "albums/x.jpg")
    (skipped, _) = log_lines(delete(cloud, function, "albums/x.jpg"))
    assert skipped["reason"] == "the source was deleted; rule 'albums/' keeps its variants (on_delete: keep)"
    assert variants(cloud) == ["covers/albums/x.jpg"]


TYPED = """
version: 1
region: cn-hangzhou
rules:
  photos/:
    bucket: ossimg-uploads
    content_type: ["image/*"]
    on_delete: remove
    variants:
      small: {ops: [{resize: {w: 16}}], key: "small/{key}", bucket: ossimg-variants}
"""


def test_a_rule_with_content_types_removes_the_variants_of_a_key_without_a_suffix(cloud, tmp_path):
    """A delete event tells no content type, and the key none either: the rule that matched the upload
    on its declared type is still the one whose variants go."""
    rules = tmp_path / "typed.yaml"
    rules.write_text(TYPED, encoding="utf-8")
    function = cloud.runner(policies=role(load_rules(rules)), OSSIMG_RULES=str(rules))
    etag = cloud.bucket("ossimg-uploads").put_object("photos/user123", photo(), {"Content-Type": "image/jpeg"}).etag
    made = function.invoke(event("ObjectCreated:PutObject", "photos/user123", etag, "image/jpeg"))
    assert statuses(made) == {"small/photos/user123": ("ok", "")}
    assert statuses(delete(cloud, function, "photos/user123")) == {"small/photos/user123": ("removed", "")}
    assert variants(cloud) == []


def test_another_rules_variant_of_the_same_source_at_that_key_is_kept(cloud, function):
    upload(cloud, function, "photos/a.jpg")
    small = cloud.bucket("ossimg-variants").head_object("small/photos/a.jpg").headers
    meta = {"x-oss-meta-ossimg-source": small["x-oss-meta-ossimg-source"], "x-oss-meta-ossimg-variant": "albums/#cover"}
    cloud.bucket("ossimg-variants").update_object_meta("small/photos/a.jpg", meta)
    assert statuses(delete(cloud, function, "photos/a.jpg")) == {
        "small/photos/a.jpg": ("kept", "the object there was made by variant albums/#cover, which this rule does not "
                                       "remove"),
        "tiny/photos/a.png": ("removed", ""),
    }  # fmt: skip


def test_without_delete_on_the_variants_the_role_cannot_remove_them(cloud, rules):
    function = cloud.runner(policies=role(load_rules(rules), delete=False), OSSIMG_RULES=str(rules))
    upload(cloud, function, "photos/a.jpg")
    refused = ("failed-permanent", "AccessDenied")
    assert statuses(delete(cloud, function, "photos/a.jpg")) == dict.fromkeys(VARIANTS_OF_A, refused)


def test_oss_notifications_drive_both_ways(cloud, rules):
    """Uploads and deletes as OSS delivers them: a trigger with the upload and the removal events."""
    function = cloud.runner(policies=role(load_rules(rules)), OSSIMG_RULES=str(rules), instances=2)
    notifier = Notifier()
    cloud.backend.store.subscribe(notifier.on_object)
    events = ("oss:ObjectCreated:PutObject", *REMOVAL_TRIGGER_EVENTS)
    notifier.subscribe(Subscription("ossimg-uploads", events, lambda body: function.submit(body), "photos/"))
    try:
        cloud.bucket("ossimg-uploads").put_object("photos/a.jpg", photo())
        assert settled(notifier, function)
        assert variants(cloud) == sorted(VARIANTS_OF_A)
        cloud.bucket("ossimg-uploads").delete_object("photos/a.jpg")
        assert settled(notifier, function)
        assert variants(cloud) == []
    finally:
        notifier.close()
