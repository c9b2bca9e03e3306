"""Load-time safety: each refusal names the rule and field; loops are caught in every shape."""

from __future__ import annotations

import textwrap

import pytest

from ossimg.errors import RuleFileError
from ossimg.rules.load import parse_rules


def load(text: str):
    return parse_rules(textwrap.dedent(text).encode(), source="rules.yaml")


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(RuleFileError) as exc:
        load(text)
    return [(e.location, e.detail) for e in exc.value.errors]


LOOPS = {
    "output-under-the-rule-prefix": """
        rules:
          uploads/: {variants: {thumb: {ops: image/info, key: "uploads/thumbs/{name}"}}}
    """,
    "output-prefix-shorter-than-the-rule": """
        rules:
          uploads/in/: {variants: {thumb: {ops: image/info, key: "uploads/{name}"}}}
    """,
    "template-with-no-literal-prefix": """
        rules:
          photos/: {variants: {thumb: {ops: image/info, key: "{dir}/small-{name}"}}}
    """,
    "other-bucket-but-rule-has-no-bucket-filter": """
        rules:
          uploads/: {variants: {thumb: {ops: image/info, key: "uploads/t/{name}", bucket: out-bucket}}}
    """,
    "two-rules-feeding-each-other": """
        rules:
          a/: {bucket: src, variants: {v: {ops: image/info, key: "b/{name}"}}}
          b/: {bucket: src, variants: {v: {ops: image/info, key: "a/{name}"}}}
    """,
    "suffix-filter-that-the-output-passes": """
        rules:
          up/: {suffix: [.webp], variants: {v: {ops: "image/format,webp", key: "up/w/{stem}.{format}"}}}
    """,
    "glob-that-the-output-can-match": """
        rules:
          "": {glob: "out/**", bucket: src, variants: {v: {ops: image/info, key: "out/{key}"}}}
    """,
    "content-type-filter-that-the-output-passes": """
        rules:
          up/: {content_type: ["image/*"], variants: {v: {ops: "image/format,png", key: "up/p/{stem}.png"}}}
    """,
}


@pytest.mark.parametrize("text", LOOPS.values(), ids=LOOPS.keys())
def test_loops_are_refused_naming_the_pair(text):
    found = problems(text)
    assert found
    location, message = found[0]
    assert location.startswith("rules[")
    assert location.endswith(".key")
    assert "would match again" in message
    assert "(a loop)" in message


SAFE = {
    "other-prefix": 'uploads/: {variants: {v: {ops: image/info, key: "out/{name}"}}}',
    "other-bucket-with-bucket-filter": (
        'uploads/: {bucket: src, variants: {v: {ops: image/info, key: "uploads/t/{name}", bucket: out-bucket}}}'
    ),
    "suffix-filter-the-output-fails": (
        'up/: {suffix: [.jpg], variants: {v: {ops: "image/format,webp", key: "up/w/{stem}.{format}"}}}'
    ),
    "content-type-the-output-fails": (
        'up/: {content_type: [image/jpeg], variants: {v: {ops: "image/format,png", key: "up/p/{stem}.png"}}}'
    ),
    "glob-the-output-cannot-match": (
        '"": {glob: "in/**", bucket: src, variants: {v: {ops: image/info, key: "out/{key}"}}}'
    ),
}


@pytest.mark.parametrize("rule", SAFE.values(), ids=SAFE.keys())
def test_near_misses_are_accepted(rule):
    assert load(f"rules:\n  {rule}\n").rules


@pytest.mark.parametrize(("text", "location", "words"), [
    pytest.param("""
        region: cn-hangzhou
        buckets: {far-away: ap-southeast-1}
        rules:
          a/: {variants: {v: {ops: image/info, key: "o/{name}", bucket: far-away}}}
    """, "rules['a/'].variants.v.bucket", "is in ap-southeast-1 but rule 'a/' reads from cn-hangzhou",
        id="cross-region"),
    pytest.param("""
        region: cn-hangzhou
        buckets: {src-eu: eu-central-1}
        rules:
          a/: {bucket: src-eu, variants: {v: {ops: image/info, key: "o/{name}", bucket: out-bucket}}}
    """, "rules['a/'].variants.v.bucket", "is in cn-hangzhou but rule 'a/' reads from eu-central-1",
        id="cross-region-from-a-bucket-elsewhere"),
    pytest.param("""
        rules:
          a/:
            - {variants: {v: {ops: image/info, key: "o/{name}"}}}
            - {variants: {w: {ops: image/info, key: "p/{name}"}}}
    """, "rules['a/']", "two rules share this prefix", id="duplicate-rule"),
    pytest.param("""
        rules:
          a/: {variants: {v: {ops: image/info, key: "o/{name}"}, w: {ops: image/info, key: "o/{name}"}}}
    """, "rules['a/'].variants.w.key",
        "writes the same keys ('o/{name}' in (the uploaded object's bucket)) as variant 'v'",
        id="same-key-in-one-rule"),
    pytest.param("""
        rules:
          a/: {variants: {v: {ops: image/info, key: "o/{name}", bucket: out-bucket}}}
          b/: {variants: {v: {ops: image/info, key: "o/{name}", bucket: out-bucket}}}
    """, "rules['b/'].variants.v.key", "as variant 'v' of rule 'a/'", id="same-key-across-rules"),
    pytest.param("""
        rules:
          a/: {variants: {v: {preset: nope, key: "o/{name}"}}}
    """, "rules['a/'].variants.v.preset", "no preset 'nope' (presets: none)", id="unknown-preset"),
])  # fmt: skip
def test_refusals(text, location, words):
    found = problems(text)
    assert any(loc == location and words in message for loc, message in found), found


def test_distinct_templates_through_variant_and_rule_placeholders():
    load("""
        rules:
          a/:
            variants:
              v: {ops: image/info, key: "o/{variant}/{name}"}
              w: {ops: image/info, key: "o/{variant}/{name}"}
          b/: {variants: {v: {ops: image/info, key: "o/{rule}{name}"}}}
          c/: {variants: {v: {ops: image/info, key: "o/{rule}{name}"}}}
    """)


def test_duplicate_variant_names_are_a_yaml_error_with_the_line():
    with pytest.raises(RuleFileError) as exc:
        load("""
            rules:
              a/:
                variants:
                  v: {ops: image/info, key: "o/{name}"}
                  v: {ops: image/info, key: "p/{name}"}
        """)
    (error,) = exc.value.errors
    assert error.line == 6
    assert 'found duplicate key "v"' in error.detail


def test_presets_come_first_then_the_variants_own_ops():
    rules = load("""
        presets:
          web: [{resize: {w: 800}}, {format: webp}]
        rules:
          a/: {variants: {v: {preset: web, ops: [{quality: {q: 80}}], key: "o/{stem}.{format}"}}}
    """)
    (variant,) = rules.rules[0].variants
    assert (variant.chain, variant.format) == ("image/resize,w_800/format,webp/quality,q_80", "webp")


def test_key_and_dir_placeholders_keep_prefixes_apart():
    load("""
        rules:
          a/: {bucket: src, variants: {v: {ops: image/info, key: "o/{key}", bucket: out-bucket}}}
          b/: {bucket: src, variants: {v: {ops: image/info, key: "o/{key}", bucket: out-bucket}}}
          c/: {bucket: src, variants: {v: {ops: image/info, key: "p/{dir}/{name}", bucket: out-bucket}}}
          d/: {bucket: src, variants: {v: {ops: image/info, key: "p/{dir}/{name}", bucket: out-bucket}}}
    """)
