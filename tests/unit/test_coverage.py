"""EMULATOR_COVERAGE.md is generated from oss2, the routing table and the IMG tables; it must not drift,
and a missing route or action shows as a gap."""

from __future__ import annotations

import oss2

from ossimg.img.ops import Blur
from ossimg_local import coverage
from ossimg_local.coverage import report, status


def test_the_committed_ledger_is_current(root):
    assert (root / "EMULATOR_COVERAGE.md").read_text(encoding="utf-8") == report()


def test_what_the_tests_exercise_is_listed_as_served():
    for name in ("put_object", "get_object", "process_object", "init_multipart_upload", "batch_delete_objects",
                 "copy_object", "list_objects_v2", "put_bucket_style", "get_bucket_acl"):  # fmt: skip
        assert status(oss2.Bucket, name) == "yes", name
    assert status(oss2.Bucket, "put_object_from_file") == "via put_object"
    assert status(oss2.Bucket, "get_bucket_cors").startswith("no")
    assert status(oss2.Bucket, "select_object").startswith("no (OSS Select")


def test_an_action_the_engine_lost_shows_as_a_gap(monkeypatch):
    monkeypatch.setattr(coverage, "STEPS", {op: step for op, step in coverage.STEPS.items() if op is not Blur})
    table = coverage.img_actions()
    assert table[0].startswith("## IMG actions: 16 of 17 documented actions")
    assert "| `blur` | yes | yes | **no** |" in table


def test_an_action_the_rules_cannot_use_shows_as_a_gap(monkeypatch):
    monkeypatch.setattr(coverage, "REGISTRY", {a: op for a, op in coverage.REGISTRY.items() if a != "average-hue"})
    assert "| `average-hue` | yes | **no** | yes |" in coverage.img_actions()
