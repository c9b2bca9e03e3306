"""``on_delete``: which deleted objects have variants to remove, decided from the event and rules alone."""

from __future__ import annotations

import pytest

from ossimg.decide import decide
from ossimg.errors import RuleFileError
from ossimg.events import ObjectEvent
from ossimg.plan import VariantPlan
from ossimg.rules.load import parse_rules
from ossimg.rules.stored import compiled_path, open_compiled, write_compiled

RULES = b"""
version: 1
rules:
  photos/:
    bucket: src
    on_delete: remove
    variants:
      thumb: {ops: [{resize: {w: 100}}, {format: webp}], key: "thumbs/{dir}/{stem}.{format}", bucket: out-bucket}
      same: {ops: [{resize: {w: 50}}], key: "small/{key}", bucket: out-bucket}
  docs/:
    bucket: src
    variants: {info: {ops: image/info, key: "info/{key}.json", bucket: out-bucket}}
"""


@pytest.fixture(scope="module", name="rules")
def _rules():
    return parse_rules(RULES, source="test")


def removed(key: str, name: str = "ObjectRemoved:DeleteObject") -> ObjectEvent:
    return ObjectEvent(name, "src", key)


@pytest.mark.parametrize("name", ["ObjectRemoved:DeleteObject", "ObjectRemoved:DeleteObjects"])
def test_a_deleted_source_plans_the_removal_of_each_variant_key(rules, name):
    decision = decide(removed("photos/2024/cat.jpg", name), rules)
    assert decision.removal
    assert decision.skip is None
    assert [(p.target_bucket, p.target_key) for p in decision.plans if isinstance(p, VariantPlan)] == [
        ("out-bucket", "thumbs/photos/2024/cat.webp"),  # {format} is the variant's: the key renders alone
        ("out-bucket", "small/photos/2024/cat.jpg"),
    ]


@pytest.mark.parametrize(("record", "reason"), [
    (removed("docs/a.jpg"), "the source was deleted; rule 'docs/' keeps its variants (on_delete: keep)"),
    (removed("elsewhere/a.jpg"), "no rule matches the key"),
    (removed("thumbs/photos/a.webp"), None),  # an output: our own deletions notify too
    (ObjectEvent("ObjectRemoved:DeleteObject", "out-bucket", "small/photos/a.jpg"), None),
    (removed(".ossimg/claims/abc"), "the key is one of ossimg's own claim records"),
])  # fmt: skip
def test_what_has_nothing_to_remove(rules, record, reason):
    decision = decide(record, rules)
    assert decision.skip is not None
    assert not decision.plans
    assert not decision.loop  # never a loop warning: nothing is made
    if reason is not None:
        assert decision.skip == reason


def test_aborting_a_multipart_upload_removes_nothing(rules):
    decision = decide(removed("photos/a.jpg", "ObjectRemoved:AbortMultipartUpload"), rules)
    assert decision.skip == "ObjectRemoved:AbortMultipartUpload is not a completed upload"


def test_keep_is_the_default_and_travels_with_the_compiled_rules(rules, tmp_path):
    assert {r.prefix: r.on_delete for r in rules.rules} == {"photos/": "remove", "docs/": "keep"}
    path = tmp_path / "rules.yaml"
    path.write_bytes(RULES)
    write_compiled(rules, RULES, compiled_path(path))
    stored = open_compiled(compiled_path(path), RULES, str(path))
    assert [r.on_delete for r in stored.with_prefix("photos/")] == ["remove"]


@pytest.mark.parametrize("placeholder", ["etag", "year", "month", "day"])
def test_remove_needs_keys_the_source_key_alone_determines(placeholder):
    text = f"""
version: 1
rules:
  photos/:
    on_delete: remove
    variants: {{v: {{ops: image/info, key: "out/{{{placeholder}}}/{{key}}.json"}}}}
""".encode()
    with pytest.raises(RuleFileError) as exc:
        parse_rules(text, source="inline.yaml")
    assert (f"on_delete: remove needs output keys the source key alone determines; variant 'v' uses "
            f"{{{placeholder}}}, known only when the object was uploaded") in exc.value.message  # fmt: skip


def test_on_delete_takes_keep_or_remove():
    text = b"version: 1\nrules: {a/: {on_delete: purge, variants: {v: {ops: image/info, key: 'o/{key}'}}}}\n"
    with pytest.raises(RuleFileError, match="on_delete: Input should be 'keep' or 'remove'"):
        parse_rules(text, source="inline.yaml")
