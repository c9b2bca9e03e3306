"""Header conventions shared by the object APIs: what a write stores, what a read returns, what a
copy reads from, and the features the emulator refuses rather than ignores."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from .. import errors
from ..backend import OWNER_ID
from ..model import STORED_HEADERS, BucketInfo, NewObject, ObjectInfo
from ..wire import Request, XmlNode, http_date, iso_date, parse_http_date

META_PREFIX = "x-oss-meta-"

# OSS does not guess a type from the key (the SDKs do, client-side): a body sent without one is stored
# as this, whatever its suffix (curl -T, a browser PUT to a presigned URL).
DEFAULT_CONTENT_TYPE = "application/octet-stream"

# Request headers that ask OSS to do something the emulator does not do. Ignoring one would answer 200
# for work not carried out, so the request is refused with 501 naming the header.
UNSUPPORTED_HEADERS = {
    "x-oss-server-side-encryption": "server-side encryption",
    "x-oss-server-side-data-encryption": "server-side encryption",
    "x-oss-server-side-encryption-key-id": "server-side encryption",
    "x-oss-tagging": "object tagging",
    "x-oss-callback": "upload callbacks",
    "x-oss-callback-var": "upload callbacks",
    "x-oss-object-worm-mode": "object retention (WORM)",
    "x-oss-object-worm-retain-until-date": "object retention (WORM)",
    "x-oss-object-worm-legal-hold": "object retention (WORM)",
}


def refuse_unsupported(request: Request) -> None:
    """Raise NotImplemented for a header asking for a feature the emulator lacks."""
    for name, feature in UNSUPPORTED_HEADERS.items():
        if name in request.headers:
            raise errors.NotImplementedByEmulator(f"The emulator does not implement {feature} (header {name}).")
    storage_class = request.headers.get("x-oss-storage-class", "Standard")
    if storage_class != "Standard":
        raise errors.NotImplementedByEmulator(
            f"The emulator stores every object as Standard; x-oss-storage-class {storage_class} is not implemented."
        )


def new_object(request: Request) -> NewObject:
    """What a PUT, copy with REPLACE or multipart initiate asks to store with the object."""
    headers = request.headers
    return NewObject(
        content_type=headers.get("content-type") or DEFAULT_CONTENT_TYPE,
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


def bucket_summary(bucket: BucketInfo, host: str) -> list[XmlNode]:
    """A bucket as ListBuckets and GetBucketInfo describe it; the endpoints are the emulator's own
    address, so a client that follows them stays here."""
    return [
        ("CreationDate", iso_date(bucket.created)),
        ("ExtranetEndpoint", host),
        ("IntranetEndpoint", host),
        ("Location", f"oss-{bucket.region}"),
        ("Name", bucket.name),
        ("Region", bucket.region),
        ("StorageClass", bucket.storage_class),
    ]


@dataclass(frozen=True)
class CopySource:
    """What ``x-oss-copy-source: /bucket/key[?versionId=…]`` names (CopyObject, UploadPartCopy)."""

    bucket: str
    key: str


def copy_source(request: Request) -> CopySource:
    """The source of a copy, decoded. The one place copy sources are read, so checks on the source
    (who may read it) hook in here. Raises InvalidArgument, NotImplemented."""
    raw = request.headers["x-oss-copy-source"]
    path, _, query = raw.partition("?")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not bucket or not key:
        raise errors.InvalidArgument(
            "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.",
            ArgumentName="x-oss-copy-source",
            ArgumentValue=raw,
        )
    version = dict(p.partition("=")[::2] for p in query.split("&") if p).get("versionId", "null")
    if version != "null":
        raise errors.NotImplementedByEmulator(f"The emulator has no versioning: cannot copy version {version}.")
    return CopySource(bucket, key)


def check_copy_conditions(request: Request, source: ObjectInfo, *, not_modified: type[errors.OssError]) -> None:
    """``x-oss-copy-source-if-*`` against the source object. A failed match or unmodified-since is 412;
    a failed none-match or modified-since is ``not_modified`` (CopyObject documents 304, UploadPartCopy 412)."""
    headers = request.headers
    etag, modified = source.etag, int(source.last_modified)
    match = headers.get("x-oss-copy-source-if-match")
    if match is not None and match.strip('"').upper() != etag:
        raise errors.PreconditionFailed(Condition="x-oss-copy-source-if-match")
    since = parse_http_date(headers.get("x-oss-copy-source-if-unmodified-since", ""))
    if since is not None and modified > since:
        raise errors.PreconditionFailed(Condition="x-oss-copy-source-if-unmodified-since")
    none_match = headers.get("x-oss-copy-source-if-none-match")
    if none_match is not None and none_match.strip('"').upper() == etag:
        raise not_modified(Condition="x-oss-copy-source-if-none-match")
    since = parse_http_date(headers.get("x-oss-copy-source-if-modified-since", ""))
    if since is not None and modified <= since:
        raise not_modified(Condition="x-oss-copy-source-if-modified-since")
