"""Multipart uploads through both SDKs: the calls one by one, UploadPartCopy, and oss2's
resumable_upload of a large image."""

from __future__ import annotations

import hashlib
import io

import oss2
import pytest
from PIL import Image

from ossimg_local.emulator import errors

from .clients import OssFailure

PART = 100 * 1024  # OSS's smallest part but the last


def failure(call, *args, **kwargs) -> OssFailure:
    with pytest.raises(OssFailure) as exc:
        call(*args, **kwargs)
    return exc.value


def test_resumable_upload_of_a_large_image(oss2_bucket, tmp_path):
    out = io.BytesIO()
    Image.effect_noise((3000, 2000), 64).save(out, "PNG")  # noise does not compress: ~5 MB
    data = out.getvalue()
    path = tmp_path / "big.png"
    path.write_bytes(data)
    oss2.resumable_upload(oss2_bucket.oss2, "big.png", str(path), store=oss2.ResumableStore(root=str(tmp_path)),
                          multipart_threshold=PART, part_size=PART * 4, num_threads=3)  # fmt: skip
    head = oss2_bucket.head("big.png")
    assert head.headers["x-oss-object-type"] == "Multipart"
    assert head.etag.endswith(f"-{-(-len(data) // (PART * 4))}")
    assert hashlib.md5(oss2_bucket.get("big.png").body).digest() == hashlib.md5(data).digest()
    assert oss2_bucket.get("big.png", process="image/info").body.count(b'"ImageWidth": {"value": "3000"}') == 1


class TestCalls:
    """Initiate, upload parts, list, complete or abort."""

    def test_complete_concatenates_parts_in_order(self, bucket):
        upload = bucket.init_upload("mp", headers={"x-oss-meta-kind": "parts"})
        parts = []
        for number, fill in ((1, b"a"), (2, b"b"), (3, b"c")):
            parts.append((number, bucket.upload_part("mp", upload, number, fill * (PART if number < 3 else 10)).etag))
        assert [(n, size) for n, size, _ in bucket.list_parts("mp", upload)] == [(1, PART), (2, PART), (3, 10)]
        bucket.complete("mp", upload, parts)
        assert bucket.get("mp").body == b"a" * PART + b"b" * PART + b"c" * 10
        assert bucket.head("mp").meta == {"kind": "parts"}

    def test_complete_all(self, bucket):
        upload = bucket.init_upload("all")
        bucket.upload_part("all", upload, 1, b"only")
        bucket.complete("all", upload, None, headers={"x-oss-complete-all": "yes"})
        assert bucket.get("all").body == b"only"

    def test_list_multipart_uploads_and_abort(self, bucket):
        first = bucket.init_upload("x/1")
        bucket.init_upload("y/2")
        assert bucket.list_uploads(prefix="x/") == [("x/1", first)]
        bucket.abort("x/1", first)
        assert bucket.list_uploads(prefix="x/") == []
        assert failure(bucket.upload_part, "x/1", first, 1, b"late").code == "NoSuchUpload"

    def test_wrong_etag_is_an_invalid_part(self, bucket):
        upload = bucket.init_upload("bad")
        bucket.upload_part("bad", upload, 1, b"x")
        error = failure(bucket.complete, "bad", upload, [(1, "0" * 32)])
        assert (error.status, error.code) == (400, "InvalidPart")

    def test_small_non_last_part_is_too_small(self, bucket):
        upload = bucket.init_upload("small")
        parts = [(n, bucket.upload_part("small", upload, n, b"tiny").etag) for n in (1, 2)]
        assert failure(bucket.complete, "small", upload, parts).code == "EntityTooSmall"

    def test_parts_out_of_order(self, bucket, backend):
        # Both SDKs send parts as given, but oss2 sorts them first, so the store is asked directly.
        upload = bucket.init_upload("order")
        parts = [(n, bucket.upload_part("order", upload, n, b"x" * PART).etag) for n in (1, 2)]
        with pytest.raises(errors.InvalidPartOrder):
            backend.multipart.complete_multipart_upload(bucket.name, "order", upload, parts[::-1])

    def test_unknown_upload(self, bucket):
        assert failure(bucket.list_parts, "k", "0" * 32).code == "NoSuchUpload"


class TestUploadPartCopy:
    """A part copied from an object (x-oss-copy-source, with or without x-oss-copy-source-range)."""

    @pytest.fixture(name="source")
    def _source(self, bucket):
        bucket.put("src.bin", bytes(range(256)) * 800)  # 204,800 bytes: two 102,400-byte parts
        return bucket

    def test_a_large_object_copied_in_ranged_parts(self, source, make_bucket):
        target = make_bucket()
        upload = target.init_upload("copy.bin")
        first = target.upload_part_copy("copy.bin", upload, 1, source.name, "src.bin", "bytes=0-102399")
        second = target.upload_part_copy("copy.bin", upload, 2, source.name, "src.bin", "bytes=102400-204799")
        assert [(n, size) for n, size, _ in target.list_parts("copy.bin", upload)] == [(1, PART), (2, PART)]
        target.complete("copy.bin", upload, [(1, first.etag), (2, second.etag)])
        assert target.get("copy.bin").body == bytes(range(256)) * 800

    def test_the_part_etag_is_the_md5_of_the_copied_bytes(self, source):
        upload = source.init_upload("k")
        part = source.upload_part_copy("k", upload, 1, source.name, "src.bin", "bytes=0-255")
        assert part.etag == hashlib.md5(bytes(range(256))).hexdigest().upper()

    def test_without_a_range_the_whole_object_is_the_part(self, source):
        upload = source.init_upload("whole")
        part = source.upload_part_copy("whole", upload, 1, source.name, "src.bin")
        source.complete("whole", upload, [(1, part.etag)])
        assert source.get("whole").body == bytes(range(256)) * 800

    def test_a_range_past_the_source_is_refused(self, source):
        upload = source.init_upload("k")
        error = failure(source.upload_part_copy, "k", upload, 1, source.name, "src.bin", "bytes=0-204800")
        assert (error.status, error.code) == (416, "InvalidRange")
        assert source.list_parts("k", upload) == []

    def test_a_missing_source(self, source):
        upload = source.init_upload("k")
        assert failure(source.upload_part_copy, "k", upload, 1, source.name, "nothing").code == "NoSuchKey"

    @pytest.mark.parametrize(("header", "value"), [
        ("x-oss-copy-source-if-match", '"00000000000000000000000000000000"'),
        ("x-oss-copy-source-if-none-match", "SOURCE-ETAG"),
    ])  # fmt: skip
    def test_copy_source_conditions_fail_with_412(self, source, header, value):
        upload = source.init_upload("k")
        value = value.replace("SOURCE-ETAG", source.head("src.bin").etag)
        error = failure(source.upload_part_copy, "k", upload, 1, source.name, "src.bin", headers={header: value})
        assert (error.status, error.code) == (412, "PreconditionFailed")
