"""Object operations through unmodified oss2 over HTTP."""

from __future__ import annotations

import base64
import hashlib
import time

import oss2
import pytest
from oss2.headers import OSS_OBJECT_ACL

ODD_KEYS = [
    pytest.param("dir/file with spaces.jpg", id="spaces"),
    pytest.param("the-unicode-猫-🐱-key.png", id="unicode"),
    pytest.param("key-with?question-mark", id="question-mark"),
    pytest.param("key-with%2Fembedded%2Furl%2Fencoding", id="percent"),
    pytest.param("a+b=c&d.jpg", id="plus-equals-amp"),
    pytest.param("trailing/slash/", id="trailing-slash"),
]


class TestPutAndGet:
    """What is put comes back byte for byte, with OSS's headers."""

    def test_round_trip_with_oss_headers(self, bucket):
        result = bucket.put_object("hello.txt", b"hello")
        assert result.etag == "5D41402ABC4B2A76B9719D911017C592"  # upper-case MD5, as OSS
        assert result.crc == 11177612005948864433  # CRC-64/ECMA of b"hello"
        got = bucket.get_object("hello.txt")
        assert got.read() == b"hello"
        assert got.headers["x-oss-object-type"] == "Normal"
        assert got.headers["x-oss-hash-crc64ecma"] == "11177612005948864433"
        assert got.content_type == "text/plain"

    @pytest.mark.parametrize("key", ODD_KEYS)
    def test_odd_keys(self, bucket, key):
        bucket.put_object(key, key.encode())
        assert bucket.get_object(key).read() == key.encode()
        assert [o.key for o in oss2.ObjectIteratorV2(bucket)] == [key]

    def test_empty_body_is_sent_chunked_and_stored_empty(self, bucket):
        result = bucket.put_object("empty", b"")
        assert result.crc == 0
        assert bucket.get_object("empty").read() == b""
        assert bucket.head_object("empty").content_length == 0

    def test_chunked_upload_from_a_generator(self, bucket):
        chunks = [bytes([i]) * 70_000 for i in range(5)]
        bucket.put_object("gen.bin", iter(chunks))
        assert bucket.get_object("gen.bin").read() == b"".join(chunks)

    def test_user_metadata_and_stored_headers(self, bucket):
        bucket.put_object("m.txt", b"x", headers={
            "x-oss-meta-color": "red", "Cache-Control": "max-age=60", "Content-Type": "text/x-custom",
        })  # fmt: skip
        head = bucket.head_object("m.txt")
        assert head.headers["x-oss-meta-color"] == "red"
        assert head.headers["Cache-Control"] == "max-age=60"
        assert head.content_type == "text/x-custom"

    def test_matching_content_md5_is_accepted(self, bucket):
        md5 = base64.b64encode(hashlib.md5(b"data").digest()).decode()
        bucket.put_object("md5", b"data", headers={"Content-MD5": md5})
        assert bucket.get_object("md5").read() == b"data"

    def test_wrong_content_md5_is_refused_and_nothing_is_stored(self, bucket):
        md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        with pytest.raises(oss2.exceptions.InvalidDigest):
            bucket.put_object("md5", b"data", headers={"Content-MD5": md5})
        assert not bucket.object_exists("md5")

    def test_forbid_overwrite(self, bucket):
        bucket.put_object("once", b"1")
        with pytest.raises(oss2.exceptions.ServerError) as exc:
            bucket.put_object("once", b"2", headers={"x-oss-forbid-overwrite": "true"})
        assert (exc.value.status, exc.value.code) == (409, "FileAlreadyExists")
        assert bucket.get_object("once").read() == b"1"

    def test_key_starting_with_a_slash_is_invalid(self, backend):
        from ossimg_local.emulator import errors
        from ossimg_local.emulator.model import NewObject

        backend.store.create_bucket("slash-keys")
        with pytest.raises(errors.InvalidObjectName):
            backend.store.put_object("slash-keys", "/abs", [b"x"], NewObject())

    def test_get_object_to_file_verifies_crc(self, bucket, tmp_path):
        bucket.put_object("f.bin", b"abc" * 1000)
        bucket.get_object_to_file("f.bin", str(tmp_path / "f.bin"))  # raises InconsistentError on a bad CRC
        assert (tmp_path / "f.bin").read_bytes() == b"abc" * 1000


class TestRangesAndConditions:
    """Range reads and conditional GETs behave as OSS documents."""

    @pytest.mark.parametrize(("span", "expected"), [
        ((0, 3), b"0123"), ((5, None), b"56789"), ((None, 3), b"789"), ((8, 100), b"89"),
    ])  # fmt: skip
    def test_byte_ranges(self, bucket, span, expected):
        bucket.put_object("r", b"0123456789")
        got = bucket.get_object("r", byte_range=span)
        assert got.read() == expected
        assert got.status == 206

    def test_unsatisfiable_range_returns_the_whole_object(self, bucket):
        bucket.put_object("r", b"0123456789")
        got = bucket.get_object("r", headers={"Range": "bytes=50-60"})
        assert (got.status, got.read()) == (200, b"0123456789")

    def test_if_modified_since(self, bucket):
        bucket.put_object("c", b"x")
        later = oss2.utils.http_date(int(time.time()) + 60)
        with pytest.raises(oss2.exceptions.NotModified):
            bucket.get_object("c", headers={"If-Modified-Since": later})
        earlier = oss2.utils.http_date(int(time.time()) - 3600)
        assert bucket.get_object("c", headers={"If-Modified-Since": earlier}).read() == b"x"

    def test_if_match_mismatch_fails_the_precondition(self, bucket):
        bucket.put_object("c", b"x")
        with pytest.raises(oss2.exceptions.PreconditionFailed):
            bucket.get_object("c", headers={"If-Match": '"00000000000000000000000000000000"'})


class TestHeadAndDelete:
    """HEAD carries errors in x-oss-err; DELETE is idempotent."""

    def test_head_of_a_missing_key_is_no_such_key(self, bucket):
        with pytest.raises(oss2.exceptions.NoSuchKey) as exc:
            bucket.head_object("missing")
        assert exc.value.status == 404
        assert exc.value.message == "The specified key does not exist."

    def test_object_exists_distinguishes_missing_bucket(self, endpoint, auth, bucket):
        assert not bucket.object_exists("missing")
        with pytest.raises(oss2.exceptions.NoSuchBucket):
            oss2.Bucket(auth, endpoint, "never-created-bucket").object_exists("k")

    def test_get_object_meta(self, bucket):
        bucket.put_object("meta", b"12345")
        meta = bucket.get_object_meta("meta")
        assert (meta.content_length, meta.etag) == (5, "827CCB0EEA8A706C4C34A16891F84E7B")

    def test_delete_is_idempotent(self, bucket):
        bucket.put_object("d", b"x")
        bucket.delete_object("d")
        bucket.delete_object("d")
        assert not bucket.object_exists("d")

    def test_batch_delete_reports_every_key(self, bucket):
        for key in ("a", "b", "中文\x0c-2.txt"):
            bucket.put_object(key, b"x")
        result = bucket.batch_delete_objects(["a", "中文\x0c-2.txt", "never-existed"])
        assert result.deleted_keys == ["a", "中文\x0c-2.txt", "never-existed"]
        assert [o.key for o in oss2.ObjectIteratorV2(bucket)] == ["b"]


class TestCopy:
    """CopyObject with the COPY and REPLACE metadata directives."""

    def test_copy_keeps_bytes_and_metadata(self, bucket):
        bucket.put_object("src", b"payload", headers={"x-oss-meta-a": "1", "Content-Type": "image/png"})
        bucket.copy_object(bucket.bucket_name, "src", "dst")
        head = bucket.head_object("dst")
        assert bucket.get_object("dst").read() == b"payload"
        assert (head.headers["x-oss-meta-a"], head.content_type) == ("1", "image/png")

    def test_copy_across_buckets_with_odd_key(self, bucket, make_bucket):
        other = make_bucket()
        bucket.put_object("dir/a b+c.jpg", b"payload")
        other.copy_object(bucket.bucket_name, "dir/a b+c.jpg", "copied.jpg")
        assert other.get_object("copied.jpg").read() == b"payload"

    def test_update_object_meta_replaces_metadata_in_place(self, bucket):
        bucket.put_object("k", b"v", headers={"x-oss-meta-old": "1"})
        bucket.update_object_meta("k", {"x-oss-meta-new": "2", "Content-Type": "text/csv"})
        head = bucket.head_object("k")
        assert "x-oss-meta-old" not in head.headers
        assert (head.headers["x-oss-meta-new"], head.content_type) == ("2", "text/csv")
        assert bucket.get_object("k").read() == b"v"

    def test_copy_of_missing_source(self, bucket):
        with pytest.raises(oss2.exceptions.NoSuchKey):
            bucket.copy_object(bucket.bucket_name, "nope", "dst")


class TestObjectAcl:
    """Object ACLs round-trip and default to the bucket's."""

    def test_default_then_set(self, bucket):
        bucket.put_object("k", b"v")
        assert bucket.get_object_acl("k").acl == "default"
        bucket.put_object_acl("k", oss2.OBJECT_ACL_PUBLIC_READ)
        assert bucket.get_object_acl("k").acl == "public-read"

    def test_acl_at_upload(self, bucket):
        bucket.put_object("k", b"v", headers={OSS_OBJECT_ACL: oss2.OBJECT_ACL_PRIVATE})
        assert bucket.get_object_acl("k").acl == "private"
