"""Loading rule files: the example validates and compiles; every problem is reported with its place."""

from __future__ import annotations

import pytest

from ossimg.errors import RuleFileError
from ossimg.img.chain import parse
from ossimg.img.ops import REGISTRY
from ossimg.rules.load import load_rules, parse_rules


def test_the_example_rules_compile(root):
    rules = load_rules(root / "rules" / "example.yaml")
    assert [r.prefix for r in rules.rules] == ["uploads/", "avatars/", "gallery/"]
    thumb = rules.rules[0].variants[0]
    assert thumb.name == "thumb"
    assert thumb.chain == "image/resize,m_fill,w_200,h_200/format,webp/quality,q_80"
    assert thumb.format == "webp"
    assert len(rules.version) == 16


def test_every_bad_operation_and_every_cross_rule_problem_at_once(root):
    path = root / "tests" / "testdata" / "rules" / "bad_all_at_once.yaml"
    with pytest.raises(RuleFileError) as exc:
        load_rules(path)
    found = [(e.line, e.location) for e in exc.value.errors]
    assert found == [
        # five bad operations of one variant, each at its own line
        (7, "rules['uploads/'].variants.thumb.ops[0]"), (8, "rules['uploads/'].variants.thumb.ops[1]"),
        (9, "rules['uploads/'].variants.thumb.ops[2]"), (10, "rules['uploads/'].variants.thumb.ops[3]"),
        (11, "rules['uploads/'].variants.thumb.ops[4]"),
        # and, although those failed, the checks across the rules that did validate
        (13, "rules['avatars/']"), (13, "rules['avatars/'].variants.small.key"),
        (20, "rules['loop/'].variants.v.key"),
    ]  # fmt: skip
    messages = [e.detail for e in exc.value.errors]
    assert "two rules share this prefix" in messages[5]
    assert "(a loop)" in messages[7]


def test_version_changes_with_the_content(root):
    text = (root / "rules" / "example.yaml").read_bytes()
    assert parse_rules(text, source="a").version != parse_rules(text + b"\n# edit\n", source="a").version


def test_every_problem_is_reported_with_file_line_and_path(root):
    path = root / "tests" / "testdata" / "rules" / "bad_many.yaml"
    with pytest.raises(RuleFileError) as exc:
        load_rules(path)
    found = {(e.location, e.line): e.detail for e in exc.value.errors}
    assert set(found) == {
        ("rules['uploads/'].variants.thumb.ops[0]", 7),  # the line of the item itself
        ("rules['uploads/'].variants.huge.ops[1]", 10),  # an action inside a chain string: its line
        ("rules['uploads/'].variants.huge.key", 11),
        ("rules['uploads/'].variants.huge.bucket", 12),
        ("rules['avatars/'].varaints", 14),
        ("rules['avatars/'].variants", 13),
    }
    assert "resize: w must be an integer in [1, 16384], got 0" in found[("rules['uploads/'].variants.thumb.ops[0]", 7)]
    assert "format" in found[("rules['uploads/'].variants.huge.ops[1]", 10)]
    assert "{width}" in found[("rules['uploads/'].variants.huge.key", 11)]
    assert found[("rules['avatars/'].varaints", 14)] == "unknown field; remove it or check its spelling."
    assert str(path) in str(exc.value)


@pytest.mark.parametrize(("text", "message"), [
    (b"rules: [unclosed", "not valid YAML"),
    (b"- a list", "must be a mapping"),
    (b"version: 2\nrules: {a/: {variants: {v: {ops: 'image/info', key: k}}}}", "version"),
    (b"version: 1\nrules: {}", "rules"),
    (b"version: 1\nrules: {a/: {variants: {'bad name!': {ops: 'image/info', key: k}}}}", "variant name"),
    (b"version: 1\nrules: {a/: {variants: {v: {ops: [{resize: {w: 1}, format: png}], key: k}}}}", "one {action"),
    # Formats OSS IMG cannot read are never promised.
    (b"version: 1\nrules: {a/: {suffix: [.jpg, .CR2], variants: {v: {ops: 'image/info', key: k}}}}",
     "suffix '.CR2' names camera RAW files, which OSS IMG cannot read"),
    (b"version: 1\nrules: {a/: {suffix: [.nef], variants: {v: {ops: 'image/info', key: k}}}}", "camera RAW"),
    (b"version: 1\nrules: {a/: {suffix: [.psd], variants: {v: {ops: 'image/info', key: k}}}}", "Photoshop"),
    (b"version: 1\nrules: {a/: {content_type: [application/pdf], variants: {v: {ops: 'image/info', key: k}}}}",
     "content type 'application/pdf' is not an image OSS IMG reads"),
    (b"version: 1\nrules: {a/: {content_type: [image/svg+xml], variants: {v: {ops: 'image/info', key: k}}}}",
     "content type 'image/svg[+]xml' is not an image OSS IMG reads"),
])  # fmt: skip
def test_invalid_files(text, message):
    with pytest.raises(RuleFileError, match=message):
        parse_rules(text, source="inline.yaml")


@pytest.mark.parametrize("filters", [
    "suffix: [.jpg, .JPEG, .heif, _orig, .jpg.bak]", "content_type: [image/jpeg, image/*, image/heic, image/x-ms-bmp]",
])  # fmt: skip
def test_readable_formats_and_plain_endings_are_accepted(filters):
    text = f"version: 1\nrules: {{a/: {{{filters}, variants: {{v: {{ops: 'image/info', key: k}}}}}}}}"
    assert parse_rules(text.encode(), source="inline.yaml").rules


def rule_with(field):
    return f"version: 1\nrules: {{in/: {{variants: {{v: {{{field}}}}}}}}}".encode()


@pytest.mark.parametrize(("variant", "message"), [
    # Numbers as OSS writes them: plain digits; never Python's looser readings.
    ("ops: 'image/resize,w_1_0', key: k", "w must be a whole number written in plain digits, got '1_0'"),
    ("ops: 'image/resize,w_+10', key: k", "got '+10'"),
    ("ops: 'image/resize,w_10.0', key: k", "got '10.0'"),
    ("ops: 'image/resize,w_ 10', key: k", "got ' 10'"),
    ("ops: 'image/resize,w_1000000000000', key: k", "got '1000000000000'"),
    ("ops: [{resize: {w: 10.0}}], key: k", "got 10.0"),
    ("ops: [{resize: {w: true}}], key: k", "got True"),
    # Key templates that could never render a key OSS accepts.
    ("ops: image/info, key: '../{key}'", "climbs out of its folder with '..'"),
    ("ops: image/info, key: 'a/../../{key}'", "climbs out of its folder"),
    ("ops: image/info, key: \"a\\x01/{key}\"", "contains a control character"),
    ("ops: image/info, key: '" + "x" * 2000 + "/{key}'", "fixed text alone is longer than an OSS key"),
])  # fmt: skip
def test_what_could_never_work_is_refused_at_load(variant, message):
    with pytest.raises(RuleFileError) as exc:
        parse_rules(rule_with(variant), source="inline.yaml")
    assert message in str(exc.value)


@pytest.mark.parametrize("key", ["a/..{stem}", "a/{dir}..{stem}", "out/{key}", "a/b..c/{name}"])
def test_dots_that_are_not_a_parent_segment_are_fine(key):
    assert parse_rules(rule_with(f"ops: image/info, key: '{key}'"), source="inline.yaml").rules


def test_missing_file(tmp_path):
    with pytest.raises(RuleFileError, match="cannot read"):
        load_rules(tmp_path / "absent.yaml")


def test_ops_forms_are_equivalent():
    as_list = b"version: 1\nrules: {a/: {variants: {v: {ops: [{resize: {w: 10}}, {format: png}], key: k}}}}"
    as_items = b"version: 1\nrules: {a/: {variants: {v: {ops: ['resize,w_10', 'format,png'], key: k}}}}"
    as_chain = b"version: 1\nrules: {a/: {variants: {v: {ops: 'image/resize,w_10/format,png', key: k}}}}"
    chains = {parse_rules(t, source="x").rules[0].variants[0].chain for t in (as_list, as_items, as_chain)}
    assert chains == {"image/resize,w_10/format,png"}


def test_the_example_uses_every_img_action(root):
    rules = load_rules(root / "rules" / "example.yaml")
    used = {op.action for rule in rules.rules for v in rule.variants for op in parse(v.chain)}
    assert used == {*REGISTRY, "style"}
