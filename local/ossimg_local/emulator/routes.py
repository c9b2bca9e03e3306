"""The routing table: (method, level, sub-resource) -> API function. Who may call each: ``permissions``."""

from __future__ import annotations

from collections.abc import Callable

from . import errors
from .api import bucket, listing, multipart, object, process, service, style
from .auth import V1_SUBRESOURCES
from .backend import Backend
from .wire import Request, Response

Handler = Callable[[Backend, Request], Response]
RouteKey = tuple[str, str, str | None]

# The sub-resources the emulator serves; the first present in the query picks the route, in this order.
SUBRESOURCES = (
    "uploadId",
    "uploads",
    "acl",
    "delete",
    "x-oss-process",
    "objectMeta",
    "bucketInfo",
    "location",
    "style",
)

# Names of oss2's sub-resource list (auth.V1_SUBRESOURCES) that are parameters of a served call rather
# than calls of their own. Every other name on that list asks for an API the emulator does not have.
# ``x-oss-traffic-limit`` only throttles, and throttling changes no result; ``partNumber`` and
# ``versionId`` are parameters only where :func:`_is_parameter` says so.
PARAMETERS = frozenset(
    {
        "partNumber",
        "versionId",
        "continuation-token",
        "styleName",
        "security-token",
        "x-oss-traffic-limit",
        "x-oss-request-payer",
        "response-content-type",
        "response-content-language",
        "response-expires",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
    }
)

# OSS's names for calls the emulator recognises but does not implement, so the 501 names the call.
UNSERVED: dict[RouteKey, str] = {
    ("POST", "bucket", None): "PostObject",
    ("POST", "object", "append"): "AppendObject",
    ("POST", "object", "x-oss-async-process"): "AsyncProcessObject",
    ("POST", "object", "restore"): "RestoreObject",
    ("PUT", "object", "symlink"): "PutSymlink",
    ("GET", "object", "symlink"): "GetSymlink",
    ("PUT", "object", "tagging"): "PutObjectTagging",
    ("GET", "object", "tagging"): "GetObjectTagging",
    ("DELETE", "object", "tagging"): "DeleteObjectTagging",
    ("GET", "bucket", "versions"): "ListObjectVersions",
    ("GET", "bucket", "lifecycle"): "GetBucketLifecycle",
    ("PUT", "bucket", "lifecycle"): "PutBucketLifecycle",
    ("GET", "bucket", "cors"): "GetBucketCors",
    ("PUT", "bucket", "cors"): "PutBucketCors",
    ("GET", "bucket", "stat"): "GetBucketStat",
    ("OPTIONS", "object", None): "OptionObject",
}

ROUTES: dict[RouteKey, Handler] = {
    ("GET", "service", None): service.list_buckets,
    ("PUT", "bucket", None): bucket.create_bucket,
    ("DELETE", "bucket", None): bucket.delete_bucket,
    ("GET", "bucket", None): listing.list_objects,
    ("GET", "bucket", "acl"): bucket.get_bucket_acl,
    ("PUT", "bucket", "acl"): bucket.put_bucket_acl,
    ("GET", "bucket", "bucketInfo"): bucket.get_bucket_info,
    ("GET", "bucket", "location"): bucket.get_bucket_location,
    ("POST", "bucket", "delete"): object.delete_objects,
    ("GET", "bucket", "uploads"): multipart.list_multipart_uploads,
    ("PUT", "bucket", "style"): style.put_style,
    ("GET", "bucket", "style"): style.get_style,
    ("DELETE", "bucket", "style"): style.delete_style,
    ("PUT", "object", None): object.put_object,
    ("GET", "object", None): object.get_object,
    ("HEAD", "object", None): object.head_object,
    ("HEAD", "object", "objectMeta"): object.get_object_meta,
    ("GET", "object", "objectMeta"): object.get_object_meta,
    ("DELETE", "object", None): object.delete_object,
    ("GET", "object", "acl"): object.get_object_acl,
    ("PUT", "object", "acl"): object.put_object_acl,
    ("POST", "object", "uploads"): multipart.initiate_multipart_upload,
    ("PUT", "object", "uploadId"): multipart.upload_part,
    ("POST", "object", "uploadId"): multipart.complete_multipart_upload,
    ("DELETE", "object", "uploadId"): multipart.abort_multipart_upload,
    ("GET", "object", "uploadId"): multipart.list_parts,
    ("GET", "object", "x-oss-process"): process.get_processed,
    ("POST", "object", "x-oss-process"): process.process_object,
}


def operation(key: RouteKey) -> str:
    """The fault-injection and counter name of a route: process, put, get, head, delete or other."""
    method, level, sub = key
    if sub == "x-oss-process":
        return "process"
    if level == "object" and sub is None:
        return {"PUT": "put", "GET": "get", "HEAD": "head", "DELETE": "delete"}.get(method, "other")
    return "other"


def route_key(request: Request) -> RouteKey:
    """Where a request goes: its method, level (service/bucket/object) and sub-resource.

    A sub-resource the emulator does not serve wins over one it does, so that ``?uploads&sequential``
    or ``?acl&tagging`` is refused as a whole instead of half carried out.
    """
    level = "service" if not request.bucket else ("bucket" if not request.key else "object")
    query = request.query
    unserved = sorted(
        n for n in query if n in V1_SUBRESOURCES and n not in SUBRESOURCES and not _is_parameter(n, query)
    )
    sub = unserved[0] if unserved else next((s for s in SUBRESOURCES if s in query), None)
    return request.method, level, sub


def _is_parameter(name: str, query: dict[str, str]) -> bool:
    if name == "partNumber":  # of UploadPart; alone it would ask for one part of an object
        return "uploadId" in query
    if name == "versionId":  # without versioning, only the "null" version exists: the object itself
        return query[name] == "null"
    return name in PARAMETERS


def resolve(key: RouteKey) -> Handler:
    """The API function for ``key``. Raises NotImplemented (naming the call) or MethodNotAllowed."""
    handler = ROUTES.get(key)
    if handler is not None:
        return handler
    method, level, sub = key
    path = "/" if level == "service" else ("/bucket/" if level == "bucket" else "/bucket/key")
    request = f"{method} {path}{'?' + sub if sub else ''}"
    if key in UNSERVED:
        raise errors.NotImplementedByEmulator(f"The emulator does not implement {UNSERVED[key]} ({request}).")
    if any(k[1:] == key[1:] for k in ROUTES):
        raise errors.MethodNotAllowed(Method=method, ResourceType=level.title())
    raise errors.NotImplementedByEmulator(f"The emulator does not implement {request}.")
