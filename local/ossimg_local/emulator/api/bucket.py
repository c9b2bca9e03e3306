"""Bucket API: create, delete, info, location, ACL."""

from __future__ import annotations

import re

from .. import errors
from ..backend import Backend
from ..wire import Request, Response, xml_response, xml_text_response
from .common import bucket_summary, owner


def create_bucket(backend: Backend, request: Request) -> Response:
    """PUT /bucket/ with optional ``x-oss-acl`` and a CreateBucketConfiguration body."""
    body = request.read_body().decode("utf-8", "replace")
    match = re.search(r"<StorageClass>\s*([A-Za-z]+)\s*</StorageClass>", body)
    backend.store.create_bucket(
        request.bucket,
        acl=request.headers.get("x-oss-acl", "private"),
        storage_class=match.group(1) if match else "Standard",
    )
    return Response(200, {"Location": f"/{request.bucket}"})


def delete_bucket(backend: Backend, request: Request) -> Response:
    """DELETE /bucket/ - only an empty bucket."""
    backend.store.delete_bucket(request.bucket)
    return Response(204)


def get_bucket_info(backend: Backend, request: Request) -> Response:
    """GET /bucket/?bucketInfo; the endpoints are the emulator's own address (see ``list_buckets``)."""
    b = backend.store.get_bucket_info(request.bucket)
    return xml_response(
        "BucketInfo",
        [
            (
                "Bucket",
                [*bucket_summary(b, request.host), ("Owner", owner()), ("AccessControlList", [("Grant", b.acl)])],
            )
        ],
    )


def get_bucket_location(backend: Backend, request: Request) -> Response:
    """GET /bucket/?location."""
    bucket = backend.store.get_bucket_info(request.bucket)
    return xml_text_response("LocationConstraint", f"oss-{bucket.region}")


def get_bucket_acl(backend: Backend, request: Request) -> Response:
    """GET /bucket/?acl."""
    bucket = backend.store.get_bucket_info(request.bucket)
    return xml_response("AccessControlPolicy", [("Owner", owner()), ("AccessControlList", [("Grant", bucket.acl)])])


def put_bucket_acl(backend: Backend, request: Request) -> Response:
    """PUT /bucket/?acl with ``x-oss-acl``."""
    acl = request.headers.get("x-oss-acl")
    if acl is None:
        raise errors.MissingArgument("Missing x-oss-acl header.", ArgumentName="x-oss-acl")
    backend.store.put_bucket_acl(request.bucket, acl)
    return Response(200)
