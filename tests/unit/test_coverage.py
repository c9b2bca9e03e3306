"""EMULATOR_COVERAGE.md is generated from oss2 and the routing table; it must not drift."""

from __future__ import annotations

import oss2

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
