"""Header conventions shared by the object APIs."""

from __future__ import annotations

import mimetypes

from ..backend import OWNER_ID
from ..model import STORED_HEADERS, NewObject, ObjectInfo
from ..wire import Request, XmlNode, http_date

META_PREFIX = "x-oss-meta-"


def new_object(request: Request, key: str) -> NewObject:
    """What a PUT, copy with REPLACE or multipart initiate asks to store with the object."""
    headers = request.headers
    content_type = headers.get("content-type") or mimetypes.guess_type(key)[0] or "application/octet-stream"
    return NewObject(
        content_type=content_type,
        user_meta={k[len(META_PREFIX) :]: v for k, v in headers.items() if k.startswith(META_PREFIX)},
        headers={k: headers[k] for k in STORED_HEADERS if k in headers},
        acl=headers.get("x-oss-object-acl", "default"),
        content_md5=headers.get("content-md5"),
        forbid_overwrite=headers.get("x-oss-forbid-overwrite", "").lower() == "true",
    )


def object_headers(info: ObjectInfo) -> dict[str, str]:
    """Headers GET and HEAD return for an object."""
    headers = {
        "Content-Type": info.content_type,
        "ETag": f'"{info.etag}"',
        "Last-Modified": http_date(info.last_modified),
        "x-oss-object-type": info.object_type,
        "x-oss-storage-class": info.storage_class,
        "x-oss-hash-crc64ecma": str(info.crc64),
        "Accept-Ranges": "bytes",
    }
    if info.content_md5:
        headers["Content-MD5"] = info.content_md5
    headers.update({name.title(): value for name, value in info.headers.items()})
    headers.update({META_PREFIX + name: value for name, value in info.user_meta.items()})
    return headers


def owner() -> list[XmlNode]:
    """The single account's owner element."""
    return [("ID", OWNER_ID), ("DisplayName", OWNER_ID)]
