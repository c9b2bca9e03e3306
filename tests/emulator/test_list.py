"""ListObjects v1 and v2: paging, prefixes, delimiters, URL-encoded keys."""

from __future__ import annotations

import oss2
import pytest

KEYS = ["a/1.jpg", "a/2.jpg", "a/b/3.jpg", "c d/4.jpg", "e.jpg", "猫/5.jpg"]


@pytest.fixture(name="filled")
def _filled(bucket):
    for key in KEYS:
        bucket.put_object(key, b"x")
    return bucket


class TestListV2:
    """list_objects_v2 as oss2 sends it (every parameter, even empty ones)."""

    def test_all_keys_in_order(self, filled):
        assert [o.key for o in oss2.ObjectIteratorV2(filled)] == sorted(KEYS)

    def test_entries_carry_oss_fields(self, filled):
        entry = filled.list_objects_v2(prefix="e.jpg").object_list[0]
        assert (entry.size, entry.type, entry.storage_class) == (1, "Normal", "Standard")
        assert entry.etag == "9DD4E461268C8034F5C8564E155C67A6"

    @pytest.mark.parametrize("page", [1, 2, 5])
    def test_paging_visits_each_key_once(self, filled, page):
        seen, token = [], ""
        while True:
            result = filled.list_objects_v2(continuation_token=token, max_keys=page)
            seen += [o.key for o in result.object_list]
            if not result.is_truncated:
                break
            token = result.next_continuation_token
        assert seen == sorted(KEYS)

    def test_delimiter_rolls_up_common_prefixes(self, filled):
        result = filled.list_objects_v2(delimiter="/")
        assert [o.key for o in result.object_list] == ["e.jpg"]
        assert result.prefix_list == ["a/", "c d/", "猫/"]

    def test_delimiter_inside_a_prefix(self, filled):
        result = filled.list_objects_v2(prefix="a/", delimiter="/")
        assert [o.key for o in result.object_list] == ["a/1.jpg", "a/2.jpg"]
        assert result.prefix_list == ["a/b/"]

    def test_paging_across_common_prefixes(self, filled):
        entries = list(oss2.ObjectIteratorV2(filled, delimiter="/", max_keys=1))
        assert [e.key for e in entries] == ["a/", "c d/", "e.jpg", "猫/"]

    def test_start_after(self, filled):
        assert [o.key for o in filled.list_objects_v2(start_after="c d/4.jpg").object_list] == ["e.jpg", "猫/5.jpg"]

    def test_fetch_owner(self, filled):
        assert filled.list_objects_v2(fetch_owner=True, max_keys=1).object_list[0].owner.id
        assert filled.list_objects_v2(max_keys=1).object_list[0].owner is None

    def test_max_keys_out_of_range(self, filled):
        with pytest.raises(oss2.exceptions.InvalidArgument):
            filled.list_objects_v2(max_keys=1001)


class TestListV1:
    """list_objects with markers."""

    def test_marker_paging(self, filled):
        assert [o.key for o in oss2.ObjectIterator(filled, max_keys=2)] == sorted(KEYS)

    def test_prefix_and_delimiter(self, filled):
        result = filled.list_objects(prefix="a/", delimiter="/")
        assert ([o.key for o in result.object_list], result.prefix_list) == (["a/1.jpg", "a/2.jpg"], ["a/b/"])
