"""Service-level API: ListBuckets."""

from __future__ import annotations

from ..backend import Backend
from ..wire import Request, Response, XmlNode, int_param, xml_response
from .common import bucket_summary, owner


def list_buckets(backend: Backend, request: Request) -> Response:
    """GET / - the buckets. OSS reports each one's region endpoints (``oss-<region>.aliyuncs.com``);
    the emulator reports the address it was reached at, so clients that follow them stay here."""
    prefix = request.query.get("prefix", "")
    marker = request.query.get("marker", "")
    max_keys = int_param(request, "max-keys", 100, 1, 1000)
    buckets, truncated = backend.store.list_buckets(prefix, marker, max_keys)
    children: list[XmlNode] = [("Owner", owner())]
    if prefix or marker or truncated:
        children += [("Prefix", prefix), ("Marker", marker), ("MaxKeys", max_keys), ("IsTruncated", truncated)]
        if truncated:
            children.append(("NextMarker", buckets[-1].name))
    children.append(
        (
            "Buckets",
            [("Bucket", bucket_summary(b, request.host)) for b in buckets],
        )
    )
    return xml_response("ListAllMyBucketsResult", children)
