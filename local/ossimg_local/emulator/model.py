"""Plain records the store keeps: buckets, objects, uploads. No HTTP, no disk."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

BUCKET_ACLS = ("private", "public-read", "public-read-write")
OBJECT_ACLS = ("default", *BUCKET_ACLS)

# Headers OSS stores with an object and returns on GET/HEAD.
STORED_HEADERS = ("cache-control", "content-disposition", "content-encoding", "content-language", "expires")

STYLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_STYLES = 50
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
MAX_KEY_BYTES = 1023


def valid_bucket_name(name: str) -> bool:
    """OSS naming: 3-63 of ``a-z 0-9 -``, no leading or trailing hyphen."""
    return bool(_BUCKET_NAME.match(name))


def valid_object_key(key: str) -> bool:
    """OSS naming: 1-1023 UTF-8 bytes, not starting with ``/`` or ``\\``."""
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return False
    return 0 < size <= MAX_KEY_BYTES and not key.startswith(("/", "\\"))


@dataclass(frozen=True)
class BucketInfo:
    """A bucket as OSS describes it."""

    name: str
    created: float
    region: str
    acl: str = "private"
    storage_class: str = "Standard"

    def to_doc(self) -> dict[str, Any]:
        """JSON-ready form for the data directory."""
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> BucketInfo:
        """Inverse of :meth:`to_doc`."""
        return cls(**doc)


@dataclass(frozen=True)
class ObjectInfo:
    """An object's metadata; its bytes live in the blob ``blob``."""

    key: str
    blob: str
    size: int
    etag: str
    crc64: int
    last_modified: float
    content_type: str
    content_md5: str | None = None
    object_type: str = "Normal"
    acl: str = "default"
    storage_class: str = "Standard"
    user_meta: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def to_doc(self) -> dict[str, Any]:
        """JSON-ready form for the data directory (its fields are plain values: no deep copy needed,
        and ``asdict``'s took a fifth of a small PUT)."""
        return {**vars(self), "user_meta": dict(self.user_meta), "headers": dict(self.headers)}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ObjectInfo:
        """Inverse of :meth:`to_doc`."""
        return cls(**doc)

    def with_acl(self, acl: str) -> ObjectInfo:
        """A copy with another ACL."""
        return replace(self, acl=acl)


@dataclass(frozen=True)
class PartInfo:
    """One uploaded part of a multipart upload."""

    number: int
    blob: str
    size: int
    etag: str
    crc64: int
    md5: str
    last_modified: float


@dataclass(frozen=True)
class UploadInfo:
    """An initiated multipart upload and what its object will carry."""

    upload_id: str
    bucket: str
    key: str
    initiated: float
    content_type: str
    user_meta: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    acl: str = "default"

    def to_doc(self) -> dict[str, Any]:
        """JSON-ready form for the data directory."""
        return asdict(self)


@dataclass(frozen=True)
class NewObject:
    """What a writer asks the store to attach to an object (everything but the bytes)."""

    content_type: str = "application/octet-stream"
    user_meta: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    acl: str = "default"
    content_md5: str | None = None
    forbid_overwrite: bool = False


@dataclass(frozen=True)
class StyleInfo:
    """A named IMG chain stored on a bucket (``style/<name>``)."""

    name: str
    content: str
    created: float
    modified: float


@dataclass(frozen=True)
class Listing:
    """One page of a bucket listing."""

    objects: list[ObjectInfo]
    prefixes: list[str]
    truncated: bool
    next_marker: str
