"""Every call either behaves as OSS does or is refused with 501 NotImplemented naming it: a request
the emulator does not carry out never answers 200 (here through each SDK's own call)."""

from __future__ import annotations

import pytest

from .clients import raises

pytestmark = pytest.mark.emulator_only("real OSS implements these calls")


@pytest.fixture(name="src")
def _src(bucket):
    bucket.put("src", b"payload")
    return bucket


@pytest.mark.parametrize("call", [
    "AppendObject", "AsyncProcessObject", "PutObjectTagging", "PutSymlink", "RestoreObject",
    "GetBucketLifecycle", "ListObjectVersions", "GetBucketStat",
])  # fmt: skip
def test_a_call_the_emulator_lacks_is_501_naming_it(src, call):
    with raises("NotImplemented") as exc:
        src.unimplemented(call)()
    assert exc.value.status == 501
    assert exc.value.message.startswith(f"The emulator does not implement {call} (")
    assert src.all_keys() == ["src"]  # nothing was written on the way


@pytest.mark.parametrize(("method", "key", "params", "names"), [
    pytest.param("GET", "", {"lifecycle": ""}, "GetBucketLifecycle", id="bucket-subresource-not-a-listing"),
    pytest.param("GET", "src", {"partNumber": "1"}, "GET /bucket/key?partNumber", id="part-of-an-object"),
    pytest.param("GET", "src", {"versionId": "CAEQNhiBgM0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5ZmY4Y2E2"},
                 "GET /bucket/key?versionId", id="a-version"),
    pytest.param("POST", "new", {"uploads": "", "sequential": ""}, "POST /bucket/key?sequential",
                 id="sequential-multipart"),
    pytest.param("PUT", "src", {"acl": "", "tagging": ""}, "PutObjectTagging", id="served-plus-unserved"),
])  # fmt: skip
def test_a_query_asking_for_more_is_refused_not_half_served(src, method, key, params, names):
    with raises("NotImplemented") as exc:
        src.raw(method, key, params)
    assert names in exc.value.message


def test_the_null_version_is_the_object_itself(src):
    assert src.raw("GET", "src", {"versionId": "null"}).body == b"payload"


def test_a_served_resource_with_another_method_is_405(src):
    with raises("MethodNotAllowed") as exc:
        src.raw("POST", "src", {"objectMeta": ""})
    assert exc.value.status == 405
