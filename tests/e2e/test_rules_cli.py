"""`ossimg validate`, `ossimg explain` and `ossimg schema`, as users run them, offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from ossimg_local.rules_cli import rules_schema

EVENTS = sorted(p.name for p in (Path(__file__).parents[2] / "events").glob("*.json"))


def ossimg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ossimg_local.cli", *args], capture_output=True, text=True, check=False
    )


class TestValidate:
    """Exit codes and reports."""

    def test_valid_rules(self, root):
        done = ossimg("validate", str(root / "rules" / "example.yaml"))
        assert done.returncode == 0
        assert "OK, 3 rules, 17 variants" in done.stdout

    def test_invalid_rules_as_json(self, root):
        done = ossimg("validate", str(root / "tests" / "testdata" / "rules" / "bad_many.yaml"), "--json")
        assert done.returncode == 1
        report = json.loads(done.stdout)
        assert report["ok"] is False
        assert {(e["line"], e["location"]) for e in report["errors"]} >= {
            (7, "rules['uploads/'].variants.thumb.ops[0]"), (14, "rules['avatars/'].varaints"),
        }  # fmt: skip

    def test_invalid_rules_as_text(self, root):
        done = ossimg("validate", str(root / "tests" / "testdata" / "rules" / "bad_many.yaml"))
        assert done.returncode == 1
        assert "6 problems in the rules:" in done.stderr
        assert "bad_many.yaml:12: rules['uploads/'].variants.huge.bucket" in done.stderr


@pytest.mark.parametrize("event", EVENTS)
def test_explain_each_sample_event(root, event, update_testdata):
    done = ossimg("explain", str(root / "rules" / "example.yaml"), str(root / "events" / event), "--json")
    # The malformed samples (bad-*.json) are reported, and the exit code says so.
    assert done.returncode == (1 if event.startswith("bad-") else 0), done.stderr
    plan = json.loads(done.stdout)
    plan["rules"], plan["rules_version"] = "rules/example.yaml", "(any)"  # the plan is what is compared
    golden = root / "tests" / "testdata" / "explain" / event
    if update_testdata:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(plan, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert plan == json.loads(golden.read_text(encoding="utf-8"))


def test_explain_a_bare_key_in_text(root):
    done = ossimg("explain", str(root / "rules" / "example.yaml"), "avatars/bob.png")
    assert done.returncode == 0
    assert "ossimg-uploads/avatars/bob.png" in done.stdout
    assert "rule 'avatars/': applies" in done.stdout
    assert "small: ossimg-uploads/variants/avatars/bob-64.jpg" in done.stdout


def test_explain_an_output_key_is_skipped(root):
    done = ossimg("explain", str(root / "rules" / "example.yaml"), "variants/avatars/bob-64.jpg", "--json")
    (record,) = json.loads(done.stdout)["records"]
    loop = "the key looks like the output of variant 'small' of rule 'avatars/'; processing it could loop"
    assert record["skipped"] == loop


@pytest.mark.parametrize(
    ("event", "line"),
    [
        ("bad-not-json.json", "the event: INVALID: the event is not JSON"),
        ("bad-missing-key.json", "record 0: INVALID: record 0, field oss.object.key: must be a non-empty string"),
    ],
)
def test_explain_a_rejected_event_names_where_and_exits_1(root, event, line):
    done = ossimg("explain", str(root / "rules" / "example.yaml"), str(root / "events" / event))
    assert done.returncode == 1
    assert line in done.stdout
    assert "record None" not in done.stdout


def test_explain_refuses_an_event_file_that_is_not_there(root):
    done = ossimg("explain", str(root / "rules" / "example.yaml"), "events/oss-putt.json")
    assert done.returncode == 2
    assert done.stderr == (
        "ossimg explain: no such event file: events/oss-putt.json "
        "(to explain an object key that looks like a file name, add --key)\n"
    )


def test_explain_a_key_that_looks_like_a_file_with_key(root):
    done = ossimg("explain", str(root / "rules" / "example.yaml"), "uploads/meta.json", "--key")
    assert done.returncode == 0, done.stderr
    assert "ossimg-uploads/uploads/meta.json" in done.stdout


TWO_BUCKETS = """\
version: 1
rules:
  a/: {bucket: one, variants: {t: {ops: [{resize: {w: 10}}], key: "t/{key}"}}}
  b/: {bucket: two, variants: {t: {ops: [{resize: {w: 10}}], key: "t/{key}"}}}
"""


def test_explain_asks_for_the_bucket_when_the_rules_name_several(tmp_path):
    rules = tmp_path / "two.yaml"
    rules.write_text(TWO_BUCKETS, encoding="utf-8")
    done = ossimg("explain", str(rules), "a/cat.jpg")
    assert done.returncode == 2
    assert done.stderr == (
        "ossimg explain: the rules name several buckets (one, two): say which one a/cat.jpg is uploaded to "
        "with --bucket\n"
    )
    done = ossimg("explain", str(rules), "a/cat.jpg", "--bucket", "one")
    assert done.returncode == 0, done.stderr
    assert "one/a/cat.jpg" in done.stdout
    assert "source-bucket" not in done.stdout


def test_the_readme_example_is_valid(root, tmp_path):
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Rules") :]
    start = section.index("```yaml") + len("```yaml")
    example = tmp_path / "readme.yaml"
    example.write_text(section[start : section.index("```", start)], encoding="utf-8")
    done = ossimg("validate", str(example))
    assert done.returncode == 0, done.stderr


def test_schema_matches_the_committed_file(root):
    assert rules_schema() == json.loads((root / "rules" / "schema.json").read_text(encoding="utf-8"))


def test_schema_accepts_the_example_and_refuses_a_bad_file(root):
    schema = rules_schema()
    jsonschema.validate(YAML(typ="safe").load(root / "rules" / "example.yaml"), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(YAML(typ="safe").load(root / "tests" / "testdata" / "rules" / "bad_many.yaml"), schema)
