"""ListObjects v1 and v2: paging, prefixes, delimiters, URL-encoded keys; through both SDKs."""

from __future__ import annotations

import pytest

from .clients import OssFailure

KEYS = ["a/1.jpg", "a/2.jpg", "a/b/3.jpg", "c d/4.jpg", "e.jpg", "猫/5.jpg"]


@pytest.fixture(name="filled")
def _filled(bucket):
    for key in KEYS:
        bucket.put(key, b"x")
    return bucket


class TestListV2:
    """ListObjectsV2, with the parameters each SDK sends."""

    def test_all_keys_in_order(self, filled):
        assert filled.all_keys() == sorted(KEYS)

    def test_entries_carry_oss_fields(self, filled):
        entry = filled.list_v2(prefix="e.jpg").entries[0]
        assert (entry.size, entry.type, entry.storage_class) == (1, "Normal", "Standard")
        assert entry.etag == "9DD4E461268C8034F5C8564E155C67A6"  # MD5 of b"x", upper case

    @pytest.mark.parametrize("page", [1, 2, 5])
    def test_paging_visits_each_key_once(self, filled, page):
        seen, token = [], ""
        while True:
            result = filled.list_v2(token=token, max_keys=page)
            seen += result.keys
            if not result.truncated:
                break
            token = result.next
        assert seen == sorted(KEYS)

    def test_delimiter_rolls_up_common_prefixes(self, filled):
        result = filled.list_v2(delimiter="/")
        assert (result.keys, result.prefixes) == (["e.jpg"], ["a/", "c d/", "猫/"])

    def test_delimiter_inside_a_prefix(self, filled):
        result = filled.list_v2(prefix="a/", delimiter="/")
        assert (result.keys, result.prefixes) == (["a/1.jpg", "a/2.jpg"], ["a/b/"])

    def test_paging_across_common_prefixes(self, filled):
        seen, token = [], ""
        while True:
            result = filled.list_v2(delimiter="/", token=token, max_keys=1)
            seen += result.keys + result.prefixes
            if not result.truncated:
                break
            token = result.next
        assert seen == ["a/", "c d/", "e.jpg", "猫/"]

    def test_start_after(self, filled):
        assert filled.list_v2(start_after="c d/4.jpg").keys == ["e.jpg", "猫/5.jpg"]

    def test_fetch_owner(self, filled):
        assert filled.list_v2(fetch_owner=True, max_keys=1).entries[0].owner_id
        assert filled.list_v2(max_keys=1).entries[0].owner_id is None

    def test_max_keys_out_of_range(self, filled):
        with pytest.raises(OssFailure) as exc:
            filled.list_v2(max_keys=1001)
        assert (exc.value.status, exc.value.code) == (400, "InvalidArgument")


class TestListV1:
    """ListObjects with markers."""

    def test_marker_paging(self, filled):
        seen, marker = [], ""
        while True:
            result = filled.list_v1(marker=marker, max_keys=2)
            seen += result.keys
            if not result.truncated:
                break
            marker = result.next
        assert seen == sorted(KEYS)

    def test_prefix_and_delimiter(self, filled):
        result = filled.list_v1(prefix="a/", delimiter="/")
        assert (result.keys, result.prefixes) == (["a/1.jpg", "a/2.jpg"], ["a/b/"])
