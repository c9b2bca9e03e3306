"""The routing table: (method, level, sub-resource) -> API function. Who may call each: ``permissions``."""

from __future__ import annotations

from collections.abc import Callable

from . import errors
from .api import bucket, listing, multipart, object, process, service, style
from .backend import Backend
from .wire import Request, Response

Handler = Callable[[Backend, Request], Response]
RouteKey = tuple[str, str, str | None]

# The first of these present in the query picks the route, in this order.
SUBRESOURCES = (
    "uploadId", "uploads", "acl", "delete", "x-oss-process", "objectMeta", "bucketInfo", "location", "style",
)  # fmt: skip

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
    """Where a request goes: its method, level (service/bucket/object) and sub-resource."""
    level = "service" if not request.bucket else ("bucket" if not request.key else "object")
    sub = next((s for s in SUBRESOURCES if s in request.query), None)
    return request.method, level, sub


def resolve(key: RouteKey) -> Handler:
    """The API function for ``key``. Raises MethodNotAllowed or NotImplemented."""
    handler = ROUTES.get(key)
    if handler is not None:
        return handler
    if any(k[1:] == key[1:] for k in ROUTES):
        raise errors.MethodNotAllowed(Method=key[0], ResourceType=key[1].title())
    raise errors.NotImplementedByEmulator(f"The emulator does not implement {key[0]} {key[1]} ?{key[2] or ''}.")
