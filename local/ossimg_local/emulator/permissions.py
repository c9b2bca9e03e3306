"""Who may do what: the RAM action each route needs, on which resource, decided for the caller.

OSS authorises every request as RAM and the ACLs say (OSS "RAM Policy" and "OSS authorization
syntax and elements"; the README's RAM table lists each row with its source):

* the account's own key may do anything; so may an STS key minted without a role;
* an STS key issued for a role may do what the role's policy allows; an explicit Deny wins;
* whatever no policy allows (and every anonymous request) is still allowed where the bucket's or
  the object's canned ACL makes it public: ``public-read`` for reads, ``public-read-write`` for writes
  (OSS error 0003-00000001: denied when "the RAM user lacks the required permissions and the
  bucket's ACL is not set to public-read-write or public-read").

Resources are named as OSS names them: ``acs:oss:{region}:{account}:{bucket}/{key}`` for objects,
``acs:oss:{region}:{account}:{bucket}`` for buckets, ``acs:oss:{region}:{account}:*`` for ListBuckets.

The route's own resource is checked before dispatch (``authorize``). Objects a request reaches beyond
its own (a copy's source, the saveas target, watermark images, the keys of a batch delete) are
checked with ``require`` by the API function, where that object becomes known.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from ..ram import Decision
from . import errors
from .backend import OWNER_ID

if TYPE_CHECKING:
    from .backend import Backend
    from .routes import RouteKey
    from .wire import Request

log = logging.getLogger("ossimg.emulator")

SERVICE, BUCKET, OBJECT, EACH_KEY = "service", "bucket", "object", "each key"

# What a public canned ACL opens to everyone: the reads and writes OSS's PutObjectACL page lists.
ACL_READS = frozenset({"oss:GetObject", "oss:ListObjects"})
ACL_WRITES = frozenset({"oss:PutObject", "oss:DeleteObject", "oss:AbortMultipartUpload"})

# OSS's messages for a denial, as OSS answers a RAM user that lacks the permission (README, RAM table).
OBJECT_DENIED = "You have no right to access this object because of bucket acl."
BUCKET_DENIED = "The bucket you access does not belong to you."
EXPLICITLY_DENIED = "Access denied by bucket policy."
EC_IMPLICIT, EC_EXPLICIT = "0003-00000001", "0003-00000201"


@dataclass(frozen=True)
class Permission:
    """The RAM action a route needs and the level of the resource it names."""

    action: str
    level: str

    @property
    def denied(self) -> str:
        """OSS's message when the caller may not."""
        if self.level == SERVICE or self.action == "oss:PutBucket":
            return f"You are forbidden to {self.action}."
        return BUCKET_DENIED if self.level == BUCKET else OBJECT_DENIED


PERMISSIONS: dict[RouteKey, Permission] = {
    ("GET", "service", None): Permission("oss:ListBuckets", SERVICE),
    ("PUT", "bucket", None): Permission("oss:PutBucket", BUCKET),
    ("DELETE", "bucket", None): Permission("oss:DeleteBucket", BUCKET),
    ("GET", "bucket", None): Permission("oss:ListObjects", BUCKET),
    ("GET", "bucket", "acl"): Permission("oss:GetBucketAcl", BUCKET),
    ("PUT", "bucket", "acl"): Permission("oss:PutBucketAcl", BUCKET),
    ("GET", "bucket", "bucketInfo"): Permission("oss:GetBucketInfo", BUCKET),
    ("GET", "bucket", "location"): Permission("oss:GetBucketLocation", BUCKET),
    ("POST", "bucket", "delete"): Permission("oss:DeleteObject", EACH_KEY),
    ("GET", "bucket", "uploads"): Permission("oss:ListMultipartUploads", BUCKET),
    ("PUT", "bucket", "style"): Permission("oss:PutStyle", BUCKET),
    # GET ?style is GetStyle with a styleName and ListStyle without one; see ``_permission``.
    ("GET", "bucket", "style"): Permission("oss:GetStyle", BUCKET),
    ("DELETE", "bucket", "style"): Permission("oss:DeleteStyle", BUCKET),
    ("PUT", "object", None): Permission("oss:PutObject", OBJECT),  # a copy's source: GetObject, in the API
    ("GET", "object", None): Permission("oss:GetObject", OBJECT),
    ("HEAD", "object", None): Permission("oss:GetObject", OBJECT),
    ("HEAD", "object", "objectMeta"): Permission("oss:GetObject", OBJECT),
    ("GET", "object", "objectMeta"): Permission("oss:GetObject", OBJECT),
    ("DELETE", "object", None): Permission("oss:DeleteObject", OBJECT),
    ("GET", "object", "acl"): Permission("oss:GetObjectAcl", OBJECT),
    ("PUT", "object", "acl"): Permission("oss:PutObjectAcl", OBJECT),
    ("POST", "object", "uploads"): Permission("oss:PutObject", OBJECT),
    ("PUT", "object", "uploadId"): Permission("oss:PutObject", OBJECT),
    ("POST", "object", "uploadId"): Permission("oss:PutObject", OBJECT),
    ("DELETE", "object", "uploadId"): Permission("oss:AbortMultipartUpload", OBJECT),
    ("GET", "object", "uploadId"): Permission("oss:ListParts", OBJECT),
    # IMG is a GetObject with parameters; watermark images: GetObject, in the API.
    ("GET", "object", "x-oss-process"): Permission("oss:GetObject", OBJECT),
    # sys/saveas: PostProcessTask on the source here, PutObject on the target in the API.
    ("POST", "object", "x-oss-process"): Permission("oss:PostProcessTask", OBJECT),
}
LIST_STYLE = Permission("oss:ListStyle", BUCKET)


class Denial(NamedTuple):
    """One refused check, kept by the backend so tests and people can see what a role lacks."""

    access_key_id: str  # "" for an anonymous caller
    action: str
    resource: str
    decision: Decision


def authorize(backend: Backend, request: Request, key: RouteKey) -> None:
    """Check the route's own resource for the caller of ``request``. Raises AccessDenied."""
    permission = _permission(request, key)
    if permission.level == SERVICE:
        require(backend, request, permission.action)
    elif permission.level == BUCKET:
        require(backend, request, permission.action, request.bucket)
    elif permission.level == OBJECT:
        require(backend, request, permission.action, request.bucket, request.key)
    # EACH_KEY: the API function checks each key once it has read them.


def require(backend: Backend, request: Request, action: str, bucket: str = "", key: str = "") -> None:
    """Let the caller of ``request`` do ``action`` on ``bucket``/``key``, or raise AccessDenied as OSS does.

    ``bucket`` empty names the account (ListBuckets), ``key`` empty the bucket itself.
    """
    credential = request.credential
    policy = credential.policy if credential is not None else None
    if credential is not None and policy is None:
        return
    resource = resource_name(backend.region, bucket, key)
    decision = policy.decide(action, resource) if policy is not None else Decision.IMPLICIT_DENY
    if decision is Decision.ALLOW:
        return
    if decision is Decision.IMPLICIT_DENY and _public(backend, action, bucket, key):
        return
    who = credential.access_key_id if credential is not None else ""
    backend.denials.append(Denial(who, action, resource, decision))
    log.warning("denied %s on %s to %s (%s)", action, resource, who or "an anonymous caller", decision.value)
    level = SERVICE if not bucket else BUCKET if not key else OBJECT
    explicit = decision is Decision.EXPLICIT_DENY
    message = EXPLICITLY_DENIED if explicit else Permission(action, level).denied
    detail = (
        ()
        if credential is None
        else (
            ("PolicyType", "AccountLevelIdentityBasedPolicy"),
            ("NoPermissionType", "ExplicitDeny" if explicit else "ImplicitDeny"),
            ("AuthAction", action),
        )
    )
    raise errors.AccessDenied(message, ec=EC_EXPLICIT if explicit else EC_IMPLICIT, detail=detail)


def resource_name(region: str, bucket: str = "", key: str = "") -> str:
    """The RAM resource OSS checks: the account (``*``), a bucket, or an object."""
    if not bucket:
        return f"acs:oss:{region}:{OWNER_ID}:*"
    return f"acs:oss:{region}:{OWNER_ID}:{bucket}" + (f"/{key}" if key else "")


def _permission(request: Request, key: RouteKey) -> Permission:
    if key == ("GET", "bucket", "style") and "styleName" not in request.query:
        return LIST_STYLE
    return PERMISSIONS[key]


def _public(backend: Backend, action: str, bucket: str, key: str) -> bool:
    """Does a public canned ACL open ``action`` on ``bucket``/``key`` to everyone?

    The object's own ACL wins over the bucket's unless it is ``default``. Raises NoSuchBucket when
    the bucket does not exist, as OSS answers an unsigned request for a missing bucket.
    """
    if not bucket or action not in ACL_READS | ACL_WRITES:
        return False
    acl = backend.store.get_bucket_info(bucket).acl
    if key:
        try:
            object_acl = backend.store.head_object(bucket, key).acl
        except errors.NoSuchKey:
            object_acl = "default"
        acl = acl if object_acl == "default" else object_acl
    return acl == "public-read-write" or (acl == "public-read" and action in ACL_READS)
