"""Bucket operations through unmodified oss2 over HTTP."""

from __future__ import annotations

import oss2
import pytest

from ossimg_local.emulator.backend import Backend


class TestCreateAndDelete:
    """Buckets come and go as on OSS; only empty ones can be deleted."""

    def test_created_bucket_is_listed_with_the_endpoints_oss_reports(self, endpoint, auth, bucket):
        buckets = {b.name: b for b in oss2.BucketIterator(oss2.Service(auth, endpoint))}
        info = buckets[bucket.bucket_name]
        assert info.location == "oss-cn-hangzhou"
        assert info.extranet_endpoint == "oss-cn-hangzhou.aliyuncs.com"
        assert info.intranet_endpoint == "oss-cn-hangzhou-internal.aliyuncs.com"
        assert info.storage_class == "Standard"

    def test_list_buckets_pages_with_marker(self, endpoint, auth, make_bucket):
        names = sorted(make_bucket(prefix="page").bucket_name for _ in range(3))
        service = oss2.Service(auth, endpoint)
        first = service.list_buckets(prefix="page-", max_keys=2)
        assert first.is_truncated
        rest = service.list_buckets(prefix="page-", marker=first.next_marker, max_keys=100)
        listed = [b.name for b in first.buckets + rest.buckets]
        assert [n for n in listed if n in names] == names

    def test_delete_empty_bucket(self, bucket):
        bucket.delete_bucket()
        with pytest.raises(oss2.exceptions.NoSuchBucket) as exc:
            bucket.get_bucket_acl()
        assert exc.value.message == "The specified bucket does not exist."

    def test_delete_non_empty_bucket_is_refused(self, bucket):
        bucket.put_object("k", b"v")
        with pytest.raises(oss2.exceptions.BucketNotEmpty) as exc:
            bucket.delete_bucket()
        assert exc.value.status == 409
        assert exc.value.message == "The bucket you tried to delete is not empty."

    def test_bucket_with_upload_in_progress_is_not_empty(self, bucket):
        bucket.init_multipart_upload("pending")
        with pytest.raises(oss2.exceptions.BucketNotEmpty):
            bucket.delete_bucket()

    def test_creating_an_existing_bucket_conflicts(self, bucket):
        with pytest.raises(oss2.exceptions.ServerError) as exc:
            bucket.create_bucket()
        assert (exc.value.status, exc.value.code) == (409, "BucketAlreadyExists")

    def test_operations_on_a_missing_bucket(self, endpoint, auth):
        missing = oss2.Bucket(auth, endpoint, "no-such-bucket-here")
        with pytest.raises(oss2.exceptions.NoSuchBucket):
            missing.put_object("k", b"v")
        with pytest.raises(oss2.exceptions.NoSuchBucket):
            missing.delete_bucket()

    def test_invalid_bucket_name_is_refused_by_the_store(self, backend: Backend):
        from ossimg_local.emulator import errors

        with pytest.raises(errors.InvalidBucketName):
            backend.store.create_bucket("Bad_Name")


class TestBucketAcl:
    """Bucket ACLs round-trip."""

    @pytest.mark.parametrize(
        "acl", [oss2.BUCKET_ACL_PRIVATE, oss2.BUCKET_ACL_PUBLIC_READ, oss2.BUCKET_ACL_PUBLIC_READ_WRITE]
    )
    def test_acl_at_creation(self, make_bucket, acl):
        assert make_bucket(acl=acl).get_bucket_acl().acl == acl

    def test_put_bucket_acl(self, bucket):
        bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
        assert bucket.get_bucket_acl().acl == "public-read"

    def test_unknown_acl_is_invalid(self, bucket):
        with pytest.raises(oss2.exceptions.InvalidArgument):
            bucket.put_bucket_acl("world-writable")

    def test_bucket_info_and_location(self, bucket):
        assert bucket.get_bucket_info().location == "oss-cn-hangzhou"
        assert bucket.get_bucket_location().location == "oss-cn-hangzhou"
