"""RAM in the emulator: STS keys issued for a role may do what the role's policy allows, and nothing else.

Each row of OPERATIONS is one oss2 call and the RAM permissions OSS checks for it, written down from
OSS's documents (the README's RAM table names each source). A key granted exactly those permissions
succeeds; take any one away and the call fails with OSS's 403, and the emulator records which
action on which resource it refused.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import oss2
import pytest

from ossimg.img.chain import b64url
from ossimg_local.emulator.permissions import PERMISSIONS, Denial
from ossimg_local.emulator.routes import ROUTES
from ossimg_local.ram import Decision, Policy

from ..conftest import REGION, make_image

ACCOUNT = "1234567890123456"  # the emulator's one account (its OWNER_ID)
LOGO = b64url("assets/logo.png")


def statement(action: str, resource: str, effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Action": [action], "Resource": [resource]}


@dataclass
class Role:
    """oss2 clients signed with one STS key, and the root client that prepares the objects."""

    auth: oss2.StsAuth
    access_key_id: str
    endpoint: str
    name: str
    root: oss2.Bucket

    @property
    def bucket(self) -> oss2.Bucket:
        return oss2.Bucket(self.auth, self.endpoint, self.name)

    @property
    def service(self) -> oss2.Service:
        return oss2.Service(self.auth, self.endpoint)


@pytest.fixture(name="bucket")
def _raw_bucket(endpoint, auth):
    """A bare oss2 bucket: these tests name oss2's own calls, row by row."""
    bucket = oss2.Bucket(auth, endpoint, f"ram-{uuid.uuid4().hex[:12]}")
    bucket.create_bucket()
    return bucket


@pytest.fixture(name="world")
def _world(bucket):
    """A private bucket with a photo, a logo for watermarks and a style that stamps it."""
    bucket.put_object("photo.jpg", make_image((200, 100)))
    bucket.put_object("assets/logo.png", make_image((40, 20), "PNG"))
    bucket.put_bucket_style("stamped", f"image/resize,w_100/watermark,image_{LOGO}")
    return bucket


@pytest.fixture(name="as_role")
def _as_role(backend, endpoint, world) -> Callable[[list[dict[str, Any]]], Role]:
    def make(statements: list[dict[str, Any]]) -> Role:
        cred = backend.keyring.issue_sts(policy=Policy.from_documents([{"Version": "1", "Statement": statements}]))
        auth = oss2.StsAuth(cred.access_key_id, cred.access_key_secret, cred.security_token)
        return Role(auth, cred.access_key_id, endpoint, world.bucket_name, world)

    return make


def resource(bucket: str, what: str) -> str:
    """``*`` the account, ``.`` the bucket, ``new`` a bucket to create, else an object of the bucket."""
    base = f"acs:oss:{REGION}:{ACCOUNT}"
    return {"*": f"{base}:*", ".": f"{base}:{bucket}", "new": f"{base}:{bucket}-new"}.get(
        what, f"{base}:{bucket}/{what}"
    )


def grants(bucket: str, needs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [statement(action, resource(bucket, what)) for action, what in needs]


def started(role: Role) -> str:
    """An upload of big.bin the root key began."""
    return str(role.root.init_multipart_upload("big.bin").upload_id)


def complete(role: Role) -> None:
    upload = started(role)
    part = role.root.upload_part("big.bin", upload, 1, b"x")
    role.bucket.complete_multipart_upload("big.bin", upload, [oss2.models.PartInfo(1, part.etag)])


def saveas(process: str, target: str = "out/p.jpg") -> str:
    return f"{process}|sys/saveas,o_{b64url(target)}"


# (call, the permissions it needs) -- from OSS's API and RAM documents; see the README's RAM table.
OPERATIONS = [
    pytest.param(lambda r: r.service.list_buckets(), [("oss:ListBuckets", "*")], id="ListBuckets"),
    pytest.param(lambda r: oss2.Bucket(r.auth, r.endpoint, r.name + "-new").create_bucket(),
                 [("oss:PutBucket", "new")], id="PutBucket"),
    pytest.param(lambda r: (oss2.Bucket(r.root.auth, r.endpoint, r.name + "-new").create_bucket(),
                            oss2.Bucket(r.auth, r.endpoint, r.name + "-new").delete_bucket()),
                 [("oss:DeleteBucket", "new")], id="DeleteBucket"),
    pytest.param(lambda r: r.bucket.list_objects(), [("oss:ListObjects", ".")], id="ListObjects"),
    pytest.param(lambda r: r.bucket.list_objects_v2(), [("oss:ListObjects", ".")], id="ListObjectsV2"),
    pytest.param(lambda r: r.bucket.get_bucket_acl(), [("oss:GetBucketAcl", ".")], id="GetBucketAcl"),
    pytest.param(lambda r: r.bucket.put_bucket_acl(oss2.BUCKET_ACL_PRIVATE), [("oss:PutBucketAcl", ".")],
                 id="PutBucketAcl"),
    pytest.param(lambda r: r.bucket.get_bucket_info(), [("oss:GetBucketInfo", ".")], id="GetBucketInfo"),
    pytest.param(lambda r: r.bucket.get_bucket_location(), [("oss:GetBucketLocation", ".")], id="GetBucketLocation"),
    pytest.param(lambda r: r.bucket.list_multipart_uploads(), [("oss:ListMultipartUploads", ".")],
                 id="ListMultipartUploads"),
    pytest.param(lambda r: r.bucket.put_bucket_style("s", "image/resize,w_10"), [("oss:PutStyle", ".")],
                 id="PutStyle"),
    pytest.param(lambda r: r.bucket.get_bucket_style("stamped"), [("oss:GetStyle", ".")], id="GetStyle"),
    pytest.param(lambda r: r.bucket.list_bucket_style(), [("oss:ListStyle", ".")], id="ListStyle"),
    pytest.param(lambda r: r.bucket.delete_bucket_style("stamped"), [("oss:DeleteStyle", ".")], id="DeleteStyle"),
    pytest.param(lambda r: r.bucket.put_object("new.txt", b"x"), [("oss:PutObject", "new.txt")], id="PutObject"),
    pytest.param(lambda r: r.bucket.get_object("photo.jpg").read(), [("oss:GetObject", "photo.jpg")],
                 id="GetObject"),
    pytest.param(lambda r: r.bucket.head_object("photo.jpg"), [("oss:GetObject", "photo.jpg")], id="HeadObject"),
    pytest.param(lambda r: r.bucket.get_object_meta("photo.jpg"), [("oss:GetObject", "photo.jpg")],
                 id="GetObjectMeta"),
    pytest.param(lambda r: r.bucket.delete_object("photo.jpg"), [("oss:DeleteObject", "photo.jpg")],
                 id="DeleteObject"),
    pytest.param(lambda r: r.bucket.batch_delete_objects(["photo.jpg", "assets/logo.png"]),
                 [("oss:DeleteObject", "photo.jpg"), ("oss:DeleteObject", "assets/logo.png")],
                 id="DeleteMultipleObjects"),
    pytest.param(lambda r: r.bucket.get_object_acl("photo.jpg"), [("oss:GetObjectAcl", "photo.jpg")],
                 id="GetObjectAcl"),
    pytest.param(lambda r: r.bucket.put_object_acl("photo.jpg", oss2.OBJECT_ACL_PRIVATE),
                 [("oss:PutObjectAcl", "photo.jpg")], id="PutObjectAcl"),
    pytest.param(lambda r: r.bucket.copy_object(r.name, "photo.jpg", "copy.jpg"),
                 [("oss:PutObject", "copy.jpg"), ("oss:GetObject", "photo.jpg")], id="CopyObject"),
    pytest.param(lambda r: r.bucket.update_object_meta("photo.jpg", {"x-oss-meta-a": "1"}),
                 [("oss:PutObject", "photo.jpg"), ("oss:GetObject", "photo.jpg")], id="CopyObject-onto-itself"),
    pytest.param(lambda r: r.bucket.init_multipart_upload("big.bin"), [("oss:PutObject", "big.bin")],
                 id="InitiateMultipartUpload"),
    pytest.param(lambda r: r.bucket.upload_part("big.bin", started(r), 1, b"x"),
                 [("oss:PutObject", "big.bin")], id="UploadPart"),
    pytest.param(complete, [("oss:PutObject", "big.bin")], id="CompleteMultipartUpload"),
    pytest.param(lambda r: r.bucket.abort_multipart_upload("big.bin", started(r)),
                 [("oss:AbortMultipartUpload", "big.bin")], id="AbortMultipartUpload"),
    pytest.param(lambda r: r.bucket.list_parts("big.bin", started(r)),
                 [("oss:ListParts", "big.bin")], id="ListParts"),
    pytest.param(lambda r: r.bucket.get_object("photo.jpg", process="image/resize,w_50").read(),
                 [("oss:GetObject", "photo.jpg")], id="GetObject-x-oss-process"),
    pytest.param(lambda r: r.bucket.get_object("photo.jpg", process=f"image/watermark,image_{LOGO}").read(),
                 [("oss:GetObject", "photo.jpg"), ("oss:GetObject", "assets/logo.png")], id="GetObject-watermark"),
    pytest.param(lambda r: r.bucket.get_object("photo.jpg", process="style/stamped").read(),
                 [("oss:GetObject", "photo.jpg"), ("oss:GetObject", "assets/logo.png")], id="GetObject-style"),
    pytest.param(lambda r: r.bucket.process_object("photo.jpg", saveas("image/resize,w_50")),
                 [("oss:PostProcessTask", "photo.jpg"), ("oss:PutObject", "out/p.jpg")], id="saveas"),
    pytest.param(lambda r: r.bucket.process_object("photo.jpg", saveas(f"image/watermark,image_{LOGO}")),
                 [("oss:PostProcessTask", "photo.jpg"), ("oss:PutObject", "out/p.jpg"),
                  ("oss:GetObject", "assets/logo.png")], id="saveas-watermark"),
    pytest.param(lambda r: r.bucket.process_object("photo.jpg", saveas("style/stamped")),
                 [("oss:PostProcessTask", "photo.jpg"), ("oss:PutObject", "out/p.jpg"),
                  ("oss:GetObject", "assets/logo.png")], id="saveas-style"),
]  # fmt: skip


def test_every_route_says_what_it_needs():
    assert set(PERMISSIONS) == set(ROUTES), "a route without a row in permissions.PERMISSIONS (or the reverse)"


@pytest.mark.parametrize(("call", "needs"), OPERATIONS)
def test_exactly_what_oss_checks_is_enough(as_role, world, call, needs):
    call(as_role(grants(world.bucket_name, needs)))


@pytest.mark.parametrize(("call", "needs"), OPERATIONS)
def test_without_any_one_of_them_the_call_is_refused(backend, as_role, world, call, needs):
    for missing in needs:
        role = as_role(grants(world.bucket_name, [need for need in needs if need != missing]))
        with pytest.raises(oss2.exceptions.ServerError) as exc:
            call(role)
        assert (exc.value.status, exc.value.code, exc.value.ec) == (403, "AccessDenied", "0003-00000001"), missing
        action, what = missing
        expected = Denial(role.access_key_id, action, resource(world.bucket_name, what), Decision.IMPLICIT_DENY)
        assert backend.denials[-1] == expected


@pytest.mark.parametrize(("call", "message"), [
    pytest.param(lambda r: r.service.list_buckets(), "You are forbidden to oss:ListBuckets.", id="service"),
    pytest.param(lambda r: oss2.Bucket(r.auth, r.endpoint, r.name + "-new").create_bucket(),
                 "You are forbidden to oss:PutBucket.", id="new-bucket"),
    pytest.param(lambda r: r.bucket.list_objects(), "The bucket you access does not belong to you.", id="bucket"),
    pytest.param(lambda r: r.bucket.put_object("k", b"x"),
                 "You have no right to access this object because of bucket acl.", id="object"),
])  # fmt: skip
def test_oss_says_what_was_refused_as_it_does_for_a_ram_user(as_role, call, message):
    with pytest.raises(oss2.exceptions.AccessDenied) as exc:
        call(as_role([]))
    assert exc.value.message == message
    detail = ET.fromstring(exc.value.body).find("AccessDeniedDetail")
    assert detail is not None
    assert detail.findtext("NoPermissionType") == "ImplicitDeny"


def test_a_refused_head_says_so_in_x_oss_err(as_role):
    with pytest.raises(oss2.exceptions.ServerError) as exc:
        as_role([]).bucket.head_object("photo.jpg")
    assert (exc.value.status, exc.value.code, exc.value.ec) == (403, "AccessDenied", "0003-00000001")


class TestPolicyEvaluation:
    """Deny wins, wildcards reach exactly as far as they say, and whoever holds no role is unrestricted."""

    def test_an_explicit_deny_wins_over_an_allow(self, backend, as_role, world):
        role = as_role([
            statement("oss:GetObject", f"acs:oss:*:*:{world.bucket_name}/*"),
            statement("oss:GetObject", f"acs:oss:*:*:{world.bucket_name}/photo.jpg", effect="Deny"),
        ])  # fmt: skip
        assert role.bucket.get_object("assets/logo.png").read()
        with pytest.raises(oss2.exceptions.AccessDenied) as exc:
            role.bucket.get_object("photo.jpg")
        assert (exc.value.message, exc.value.ec) == ("Access denied by bucket policy.", "0003-00000201")
        detail = ET.fromstring(exc.value.body).find("AccessDeniedDetail")
        assert (detail.findtext("NoPermissionType"), detail.findtext("AuthAction")) == ("ExplicitDeny", "oss:GetObject")
        assert backend.denials[-1].decision is Decision.EXPLICIT_DENY

    @pytest.mark.parametrize(("granted", "key", "allowed"), [
        ("acs:oss:*:*:{bucket}/assets/*", "assets/logo.png", True),
        ("acs:oss:*:*:{bucket}/assets/*", "photo.jpg", False),
        ("acs:oss:*:*:{bucket}/photo.jp?", "photo.jpg", True),
        ("acs:oss:*:*:{bucket}/photo.?", "photo.jpg", False),
        ("acs:oss:*:*:{bucket}", "photo.jpg", False),  # the bucket is not its objects
        ("acs:oss:cn-hangzhou:*:{bucket}/*", "photo.jpg", True),
        ("acs:oss:cn-beijing:*:{bucket}/*", "photo.jpg", False),  # the emulator's region is cn-hangzhou
        ("acs:oss:*:1234567890123456:{bucket}/*", "photo.jpg", True),
        ("acs:oss:*:999:{bucket}/*", "photo.jpg", False),
    ])  # fmt: skip
    def test_resources_and_their_wildcards(self, as_role, world, granted, key, allowed):
        role = as_role([statement("oss:GetObject", granted.format(bucket=world.bucket_name))])
        if allowed:
            assert role.bucket.get_object(key).read()
        else:
            with pytest.raises(oss2.exceptions.AccessDenied):
                role.bucket.get_object(key)

    def test_a_role_key_still_reads_what_the_acl_makes_public(self, as_role, world):
        world.put_object_acl("photo.jpg", oss2.OBJECT_ACL_PUBLIC_READ)
        assert as_role([]).bucket.get_object("photo.jpg").read()  # OSS: "... and the ACL is not public-read"

    def test_but_not_when_its_policy_denies_it(self, as_role, world):
        world.put_object_acl("photo.jpg", oss2.OBJECT_ACL_PUBLIC_READ)
        role = as_role([statement("oss:GetObject", resource(world.bucket_name, "photo.jpg"), effect="Deny")])
        with pytest.raises(oss2.exceptions.AccessDenied):
            role.bucket.get_object("photo.jpg")

    def test_root_and_role_less_sts_keys_have_full_access(self, backend, endpoint, world, auth):
        cred = backend.keyring.issue_sts()
        sts = oss2.StsAuth(cred.access_key_id, cred.access_key_secret, cred.security_token)
        for signer in (auth, sts):
            assert oss2.Bucket(signer, endpoint, world.bucket_name).get_object("photo.jpg", process="style/stamped")
