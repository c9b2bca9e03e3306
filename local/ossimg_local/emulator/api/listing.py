"""ListObjects (v1) and ListObjectsV2 (``list-type=2``)."""

from __future__ import annotations

import base64
import binascii

from .. import errors
from ..backend import Backend
from ..model import Listing, ObjectInfo
from ..wire import Request, Response, XmlNode, int_param, iso_date, url_encode_key, xml_response
from .common import owner


def list_objects(backend: Backend, request: Request) -> Response:
    """GET /bucket/ - v1 with ``marker``, or v2 with ``list-type=2``."""
    if request.query.get("list-type") == "2":
        return _list_v2(backend, request)
    query = request.query
    enc = query.get("encoding-type", "")
    prefix, delimiter, marker = query.get("prefix", ""), query.get("delimiter", ""), query.get("marker", "")
    max_keys = int_param(request, "max-keys", 100, 0, 1000)
    page = backend.store.list_objects(
        request.bucket, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys
    )
    children: list[XmlNode] = [
        ("Name", request.bucket),
        ("Prefix", url_encode_key(prefix, enc)),
        ("Marker", url_encode_key(marker, enc)),
        ("MaxKeys", max_keys),
        ("Delimiter", url_encode_key(delimiter, enc)),
        ("EncodingType", enc or None),
        ("IsTruncated", page.truncated),
        ("NextMarker", url_encode_key(page.next_marker, enc) if page.truncated else None),
    ]
    return xml_response("ListBucketResult", children + _entries(page, enc, with_owner=True))


def _list_v2(backend: Backend, request: Request) -> Response:
    query = request.query
    enc = query.get("encoding-type", "")
    prefix, delimiter = query.get("prefix", ""), query.get("delimiter", "")
    token = query.get("continuation-token", "")
    start_after = query.get("start-after", "")
    max_keys = int_param(request, "max-keys", 100, 0, 1000)
    marker = _decode_token(token) if token else start_after
    page = backend.store.list_objects(
        request.bucket, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys
    )
    children: list[XmlNode] = [
        ("Name", request.bucket),
        ("Prefix", url_encode_key(prefix, enc)),
        ("StartAfter", url_encode_key(start_after, enc) if start_after else None),
        ("ContinuationToken", token or None),
        ("MaxKeys", max_keys),
        ("Delimiter", url_encode_key(delimiter, enc)),
        ("EncodingType", enc or None),
        ("IsTruncated", page.truncated),
        ("NextContinuationToken", _encode_token(page.next_marker) if page.truncated else None),
        ("KeyCount", len(page.objects) + len(page.prefixes)),
    ]
    fetch_owner = query.get("fetch-owner", "false").lower() == "true"
    return xml_response("ListBucketResult", children + _entries(page, enc, with_owner=fetch_owner))


def _entries(page: Listing, enc: str, *, with_owner: bool) -> list[XmlNode]:
    nodes: list[XmlNode] = [("Contents", _contents(o, enc, with_owner)) for o in page.objects]
    nodes += [("CommonPrefixes", [("Prefix", url_encode_key(p, enc))]) for p in page.prefixes]
    return nodes


def _contents(info: ObjectInfo, enc: str, with_owner: bool) -> list[XmlNode]:
    return [
        ("Key", url_encode_key(info.key, enc)),
        ("LastModified", iso_date(info.last_modified)),
        ("ETag", f'"{info.etag}"'),
        ("Type", info.object_type),
        ("Size", info.size),
        ("StorageClass", info.storage_class),
        ("Owner", owner() if with_owner else None),
    ]


def _encode_token(marker: str) -> str:
    return base64.urlsafe_b64encode(marker.encode("utf-8")).decode()


def _decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise errors.InvalidArgument(
            "The continuation token provided is incorrect.", ArgumentName="continuation-token", ArgumentValue=token
        ) from None
