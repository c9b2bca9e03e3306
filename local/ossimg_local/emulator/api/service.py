"""Service-level API: ListBuckets."""

from __future__ import annotations

from ..backend import Backend
from ..wire import Request, Response, XmlNode, int_param, iso_date, xml_response
from .common import owner


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
            [
                (
                    "Bucket",
                    [
                        ("CreationDate", iso_date(b.created)),
                        ("ExtranetEndpoint", request.host),
                        ("IntranetEndpoint", request.host),
                        ("Location", f"oss-{b.region}"),
                        ("Name", b.name),
                        ("Region", b.region),
                        ("StorageClass", b.storage_class),
                    ],
                )
                for b in buckets
            ],
        )
    )
    return xml_response("ListAllMyBucketsResult", children)
