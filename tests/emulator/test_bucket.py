"""Bucket operations, through oss2 and alibabacloud-oss-v2 over HTTP."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ossimg_local.emulator.backend import Backend

from .clients import OssFailure


def failure(call, *args, **kwargs) -> OssFailure:
    with pytest.raises(OssFailure) as exc:
        call(*args, **kwargs)
    return exc.value


class TestCreateAndDelete:
    """Buckets come and go as on OSS; only empty ones can be deleted."""

    def test_listed_buckets_report_the_endpoint_that_reached_them(self, target, bucket):
        # OSS reports oss-<region>.aliyuncs.com; the emulator its own address, so a client that
        # follows the reported endpoint stays where it is.
        buckets = {b.name: b for b in bucket.list_buckets(prefix=bucket.name)[0]}
        info = buckets[bucket.name]
        assert info.location == f"oss-{target.region}"
        assert info.extranet_endpoint == urlsplit(target.endpoint).netloc
        assert info.storage_class == "Standard"

    def test_bucket_info_reports_the_endpoint_that_reached_it(self, target, bucket):
        info = bucket.info()
        assert (info.name, info.location, info.acl) == (bucket.name, f"oss-{target.region}", "private")
        assert info.extranet_endpoint == urlsplit(target.endpoint).netloc

    @pytest.mark.emulator_only("the emulator has one address, inside and out")
    def test_the_intranet_endpoint_is_the_emulator_too(self, target, bucket):
        assert bucket.info().intranet_endpoint == urlsplit(target.endpoint).netloc

    def test_list_buckets_pages_with_marker(self, make_bucket):
        clients = [make_bucket(prefix="page") for _ in range(3)]
        names = sorted(c.name for c in clients)
        common = names[0][:-12]  # the names' shared start, before the random part
        first, truncated, marker = clients[0].list_buckets(prefix=common, max_keys=2)
        assert truncated
        rest, _, _ = clients[0].list_buckets(prefix=common, marker=marker, max_keys=100)
        listed = [b.name for b in first + rest]
        assert [n for n in listed if n in names] == names

    def test_delete_empty_bucket(self, bucket):
        bucket.delete_bucket()
        error = failure(bucket.acl)
        assert (error.status, error.code, error.message) == (
            404,
            "NoSuchBucket",
            "The specified bucket does not exist.",
        )
        bucket.create()  # for the cleanup of a real bucket

    def test_delete_non_empty_bucket_is_refused(self, bucket):
        bucket.put("k", b"v")
        error = failure(bucket.delete_bucket)
        assert (error.status, error.code) == (409, "BucketNotEmpty")
        assert error.message == "The bucket you tried to delete is not empty."

    def test_bucket_with_upload_in_progress_is_not_empty(self, bucket):
        bucket.init_upload("pending")
        assert failure(bucket.delete_bucket).code == "BucketNotEmpty"

    @pytest.mark.emulator_only("on OSS, creating a bucket you own again succeeds or conflicts by region")
    def test_creating_an_existing_bucket_conflicts(self, bucket):
        error = failure(bucket.create)
        assert (error.status, error.code) == (409, "BucketAlreadyExists")

    def test_operations_on_a_missing_bucket(self, bucket):
        missing = bucket.bucket(f"{bucket.name}-missing")
        assert failure(missing.put, "k", b"v").code == "NoSuchBucket"
        assert failure(missing.delete_bucket).code == "NoSuchBucket"

    def test_invalid_bucket_name_is_refused_by_the_store(self, backend: Backend):
        from ossimg_local.emulator import errors

        with pytest.raises(errors.InvalidBucketName):
            backend.store.create_bucket("Bad_Name")


class TestBucketAcl:
    """Bucket ACLs round-trip."""

    @pytest.mark.parametrize("acl", ["private", "public-read", "public-read-write"])
    def test_acl_at_creation(self, make_bucket, acl):
        assert make_bucket(acl=acl).acl() == acl

    def test_put_bucket_acl(self, bucket):
        bucket.set_acl("public-read")
        assert bucket.acl() == "public-read"

    def test_unknown_acl_is_invalid(self, bucket):
        error = failure(bucket.set_acl, "world-writable")
        assert (error.status, error.code) == (400, "InvalidArgument")

    def test_location(self, target, bucket):
        assert bucket.location() == f"oss-{target.region}"
