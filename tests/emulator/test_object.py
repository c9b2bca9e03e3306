"""Object operations, through oss2 and alibabacloud-oss-v2 over HTTP (see clients.py)."""

from __future__ import annotations

import base64
import hashlib
import time

import oss2
import pytest
import requests

from .clients import OssFailure, http_date

ODD_KEYS = [
    pytest.param("dir/file with spaces.jpg", id="spaces"),
    pytest.param("the-unicode-猫-🐱-key.png", id="unicode"),
    pytest.param("key-with?question-mark", id="question-mark"),
    pytest.param("key-with%2Fembedded%2Furl%2Fencoding", id="percent"),
    pytest.param("a+b=c&d.jpg", id="plus-equals-amp"),
    pytest.param("trailing/slash/", id="trailing-slash"),
]
HELLO_MD5 = "5D41402ABC4B2A76B9719D911017C592"  # upper-case MD5 of b"hello", as OSS writes ETags
HELLO_CRC = 11177612005948864433  # CRC-64/ECMA of b"hello" (oss2's tests)


def failure(call, *args, **kwargs) -> OssFailure:
    with pytest.raises(OssFailure) as exc:
        call(*args, **kwargs)
    return exc.value


class TestPutAndGet:
    """What is put comes back byte for byte, with OSS's headers."""

    def test_round_trip_with_oss_headers(self, bucket):
        result = bucket.put("hello.txt", b"hello")
        assert (result.etag, result.crc) == (HELLO_MD5, HELLO_CRC)
        got = bucket.get("hello.txt")
        assert got.body == b"hello"
        assert got.headers["x-oss-object-type"] == "Normal"
        assert got.crc == HELLO_CRC
        assert got.content_type == "text/plain"  # both SDKs guess it from the key, client-side

    @pytest.mark.parametrize("key", ODD_KEYS)
    def test_odd_keys(self, bucket, key):
        bucket.put(key, key.encode())
        assert bucket.get(key).body == key.encode()
        assert bucket.all_keys() == [key]

    def test_empty_body_is_stored_empty(self, bucket):
        assert bucket.put("empty", b"").crc == 0
        assert bucket.get("empty").body == b""
        assert bucket.head("empty").headers["content-length"] == "0"

    def test_user_metadata_names_come_back_lower_case(self, bucket):
        bucket.put("m.txt", b"x", headers={"x-oss-meta-Color": "red", "Cache-Control": "max-age=60",
                                           "Content-Type": "text/x-custom"})  # fmt: skip
        head = bucket.head("m.txt")
        assert head.meta == {"color": "red"}  # OSS stores and sends user-metadata names in lower case
        assert (head.headers["cache-control"], head.content_type) == ("max-age=60", "text/x-custom")

    def test_a_put_without_content_type_is_octet_stream_whatever_the_suffix(self, bucket):
        # A browser or curl -T with a presigned URL (V1 from oss2, V4 from v2) sends no Content-Type,
        # and OSS does not guess one from the key.
        url = bucket.sign_url("PUT", "photo.jpg", 60)
        assert requests.put(url, data=b"\xff\xd8 not really a jpeg", timeout=10).status_code == 200
        assert bucket.head("photo.jpg").content_type == "application/octet-stream"

    def test_matching_content_md5_is_accepted(self, bucket):
        md5 = base64.b64encode(hashlib.md5(b"data").digest()).decode()
        bucket.put("md5", b"data", headers={"Content-MD5": md5})
        assert bucket.get("md5").body == b"data"

    def test_wrong_content_md5_is_refused_and_nothing_is_stored(self, bucket):
        md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        error = failure(bucket.put, "md5", b"data", headers={"Content-MD5": md5})
        assert (error.status, error.code) == (400, "InvalidDigest")
        assert not bucket.exists("md5")

    def test_forbid_overwrite(self, bucket):
        bucket.put("once", b"1")
        error = failure(bucket.put, "once", b"2", headers={"x-oss-forbid-overwrite": "true"})
        assert (error.status, error.code) == (409, "FileAlreadyExists")
        assert bucket.get("once").body == b"1"

    def test_key_starting_with_a_slash_is_invalid(self, backend):
        from ossimg_local.emulator import errors
        from ossimg_local.emulator.model import NewObject

        backend.store.create_bucket("slash-keys")
        with pytest.raises(errors.InvalidObjectName):
            backend.store.put_object("slash-keys", "/abs", [b"x"], NewObject())

    @pytest.mark.emulator_only("real OSS implements these features")
    @pytest.mark.parametrize(("header", "value", "feature"), [
        ("x-oss-tagging", "a=1", "object tagging"),
        ("x-oss-server-side-encryption", "AES256", "server-side encryption"),
        ("x-oss-callback", "e30=", "upload callbacks"),
        ("x-oss-storage-class", "Archive", "x-oss-storage-class Archive"),
    ])  # fmt: skip
    def test_a_feature_the_emulator_lacks_is_refused_not_ignored(self, bucket, header, value, feature):
        error = failure(bucket.put, "k", b"v", headers={header: value})
        assert (error.status, error.code) == (501, "NotImplemented")
        assert feature in error.message
        assert not bucket.exists("k")


class TestOss2Wire:
    """oss2's own wire habits, which alibabacloud-oss-v2 does not share."""

    def test_chunked_upload_from_a_generator(self, oss2_bucket):
        # oss2 sends a generator body with Transfer-Encoding: chunked.
        chunks = [bytes([i]) * 70_000 for i in range(5)]
        oss2_bucket.oss2.put_object("gen.bin", iter(chunks))
        assert oss2_bucket.get("gen.bin").body == b"".join(chunks)

    def test_batch_delete_of_a_key_that_is_not_xml_1_0(self, oss2_bucket):
        # oss2 writes control characters raw into the Delete document (its own tests/test_chinese.py does).
        for key in ("a", "中文\x0c-2.txt"):
            oss2_bucket.put(key, b"x")
        assert oss2_bucket.oss2.batch_delete_objects(["中文\x0c-2.txt"]).deleted_keys == ["中文\x0c-2.txt"]
        assert oss2_bucket.all_keys() == ["a"]


class TestRanges:
    """Range reads as OSS documents them, with and without ``x-oss-range-behavior: standard``."""

    @pytest.mark.parametrize(("span", "expected"), [
        ("bytes=0-3", b"0123"), ("bytes=5-", b"56789"), ("bytes=-3", b"789"), ("bytes=9-9", b"9"),
    ])  # fmt: skip
    def test_byte_ranges(self, bucket, span, expected):
        bucket.put("r", b"0123456789")
        got = bucket.get("r", headers={"Range": span})
        assert (got.status, got.body) == (206, expected)
        assert got.headers["content-range"].endswith("/10")

    @pytest.mark.parametrize("span", ["bytes=8-100", "bytes=50-60", "bytes=-20", "bytes=5-2", "items=0-1"])
    def test_a_range_oss_cannot_satisfy_returns_the_whole_object(self, bucket, span):
        bucket.put("r", b"0123456789")
        got = bucket.get("r", headers={"Range": span})
        assert (got.status, got.body) == (200, b"0123456789")

    def test_standard_behaviour_cuts_a_range_at_the_end(self, bucket):
        bucket.put("r", b"0123456789")
        got = bucket.get("r", headers={"Range": "bytes=8-100", "x-oss-range-behavior": "standard"})
        assert (got.status, got.body, got.headers["content-range"]) == (206, b"89", "bytes 8-9/10")

    def test_standard_behaviour_refuses_a_range_past_the_end(self, bucket):
        bucket.put("r", b"0123456789")
        error = failure(bucket.get, "r", headers={"Range": "bytes=10-20", "x-oss-range-behavior": "standard"})
        assert (error.status, error.code) == (416, "InvalidRange")


class TestConditions:
    """Conditional GETs: If-Modified-Since and If-None-Match say 304, If-Match and If-Unmodified-Since 412."""

    def test_if_modified_since(self, bucket):
        bucket.put("c", b"x")
        later = oss2.utils.http_date(int(time.time()) + 60)
        assert failure(bucket.get, "c", headers={"If-Modified-Since": later}).status == 304
        earlier = oss2.utils.http_date(int(time.time()) - 3600)
        assert bucket.get("c", headers={"If-Modified-Since": earlier}).body == b"x"

    def test_if_match_mismatch_fails_the_precondition(self, bucket):
        bucket.put("c", b"x")
        error = failure(bucket.get, "c", headers={"If-Match": '"00000000000000000000000000000000"'})
        assert (error.status, error.code) == (412, "PreconditionFailed")


class TestHeadAndDelete:
    """HEAD carries errors in x-oss-err; DELETE is idempotent."""

    def test_head_of_a_missing_key_is_no_such_key(self, bucket):
        error = failure(bucket.head, "missing")
        assert (error.status, error.code, error.message) == (404, "NoSuchKey", "The specified key does not exist.")
        assert error.request_id

    def test_exists_distinguishes_a_missing_bucket(self, bucket):
        assert not bucket.exists("missing")
        error = failure(bucket.bucket("never-created-bucket-ossimg").exists, "k")
        assert (error.status, error.code) == (404, "NoSuchBucket")

    def test_get_object_meta(self, bucket):
        bucket.put("meta", b"12345")
        meta = bucket.meta("meta")
        assert (meta.headers["content-length"], meta.etag) == ("5", "827CCB0EEA8A706C4C34A16891F84E7B")

    def test_delete_is_idempotent(self, bucket):
        bucket.put("d", b"x")
        bucket.delete("d")
        bucket.delete("d")
        assert not bucket.exists("d")

    def test_batch_delete_reports_every_key(self, bucket):
        for key in ("a", "b", "c d/猫.txt"):
            bucket.put(key, b"x")
        assert bucket.delete_many(["a", "c d/猫.txt", "never-existed"]) == ["a", "c d/猫.txt", "never-existed"]
        assert bucket.all_keys() == ["b"]


class TestCopy:
    """CopyObject with the COPY and REPLACE metadata directives and the copy-source conditions."""

    def test_copy_keeps_bytes_metadata_and_reports_the_copys_crc(self, bucket):
        bucket.put("src", b"hello", headers={"x-oss-meta-a": "1", "Content-Type": "image/png"})
        assert bucket.copy(bucket.name, "src", "dst").crc == HELLO_CRC  # the object's CRC, not the XML reply's
        head = bucket.head("dst")
        assert head.etag == HELLO_MD5
        assert bucket.get("dst").body == b"hello"
        assert (head.meta, head.content_type) == ({"a": "1"}, "image/png")

    def test_copy_across_buckets_with_odd_key(self, bucket, make_bucket):
        other = make_bucket()
        bucket.put("dir/a b+c.jpg", b"payload")
        other.copy(bucket.name, "dir/a b+c.jpg", "copied.jpg")
        assert other.get("copied.jpg").body == b"payload"

    def test_replace_directive_replaces_metadata_in_place(self, bucket):
        bucket.put("k", b"v", headers={"x-oss-meta-old": "1"})
        bucket.copy(bucket.name, "k", "k", headers={
            "x-oss-metadata-directive": "REPLACE", "x-oss-meta-new": "2", "Content-Type": "text/csv",
        })  # fmt: skip
        head = bucket.head("k")
        assert (head.meta, head.content_type) == ({"new": "2"}, "text/csv")
        assert bucket.get("k").body == b"v"

    def test_copy_of_missing_source(self, bucket):
        error = failure(bucket.copy, bucket.name, "nope", "dst")
        assert (error.status, error.code) == (404, "NoSuchKey")

    @pytest.mark.parametrize(("header", "value", "status"), [
        pytest.param("x-oss-copy-source-if-match", '"00000000000000000000000000000000"', 412, id="if-match"),
        pytest.param("x-oss-copy-source-if-none-match", f'"{HELLO_MD5}"', 304, id="if-none-match"),
        pytest.param("x-oss-copy-source-if-modified-since", "+1h", 304, id="if-modified-since"),
        pytest.param("x-oss-copy-source-if-unmodified-since", "-1h", 412, id="if-unmodified-since"),
    ])  # fmt: skip
    def test_copy_source_conditions(self, bucket, header, value, status):
        bucket.put("src", b"hello")
        if value[0] in "+-":
            value = http_date_in(int(value[:-1]) * 3600)
        assert failure(bucket.copy, bucket.name, "src", "dst", headers={header: value}).status == status
        assert not bucket.exists("dst")


class TestObjectAcl:
    """Object ACLs round-trip and default to the bucket's."""

    def test_default_then_set(self, bucket):
        bucket.put("k", b"v")
        assert bucket.object_acl("k") == "default"
        bucket.set_object_acl("k", "public-read")
        assert bucket.object_acl("k") == "public-read"

    def test_acl_at_upload(self, bucket):
        bucket.put("k", b"v", headers={"x-oss-object-acl": "private"})
        assert bucket.object_acl("k") == "private"


def http_date_in(seconds: int) -> str:
    import datetime

    return http_date(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds))
