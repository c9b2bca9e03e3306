"""One OSS client over both Alibaba SDKs, so every emulator test runs its body through oss2 and through
alibabacloud-oss-v2 alike, against the emulator or (``make test-cloud``) a real bucket.

Each method is one OSS call, named after it; results are plain records and every service error is an
:class:`OssFailure`, whichever SDK raised it. oss2 signs with V1 (its default, and what the deployed
function uses), alibabacloud-oss-v2 with V4 (its default).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

SDKS = ("oss2", "v2")


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    access_key_secret: str
    security_token: str | None = None


@dataclass(frozen=True)
class Target:
    """Where the tests run: the emulator, or a real OSS endpoint (``cloud``)."""

    endpoint: str
    region: str
    credentials: Credentials
    cloud: bool = False


class OssFailure(Exception):
    """A service error, as either SDK reported it."""

    def __init__(self, status: int, code: str, message: str, ec: str, request_id: str, headers: dict[str, str]):
        super().__init__(f"{status} {code}: {message} (EC {ec}, request {request_id})")
        self.status, self.code, self.message, self.ec, self.request_id = status, code, message, ec, request_id
        self.headers = headers


@dataclass
class Reply:
    """A response: status, headers (names lower-cased), body, and user metadata with names as sent."""

    status: int
    headers: dict[str, str]
    body: bytes = b""
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "").strip('"')

    @property
    def crc(self) -> int | None:
        value = self.headers.get("x-oss-hash-crc64ecma")
        return int(value) if value is not None else None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def size(self) -> int:
        return int(self.headers.get("content-length", "0"))


@dataclass(frozen=True)
class Entry:
    key: str
    etag: str
    size: int
    type: str
    storage_class: str
    owner_id: str | None


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    prefixes: list[str]
    truncated: bool
    next: str  # NextMarker (v1) or NextContinuationToken (v2)

    @property
    def keys(self) -> list[str]:
        return [e.key for e in self.entries]


@dataclass(frozen=True)
class BucketEntry:
    name: str
    location: str
    extranet_endpoint: str
    intranet_endpoint: str
    storage_class: str
    acl: str | None = None


@dataclass(frozen=True)
class Processed:
    bucket: str
    key: str
    file_size: int
    status: str


@dataclass(frozen=True)
class Style:
    name: str
    content: str
    create_time: str


def lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in dict(headers).items()}


def meta_of(headers: Any) -> dict[str, str]:
    prefix = "x-oss-meta-"
    return {str(k)[len(prefix) :]: str(v) for k, v in dict(headers).items() if str(k).lower().startswith(prefix)}


class Client:
    """The calls the tests make, on one bucket (``name``) and on the service."""

    sdk = ""
    default_signing = ""

    def __init__(self, target: Target, name: str, *, region: str | None = None, signing: str | None = None) -> None:
        self.target, self.name, self.region = target, name, region or target.region
        self.signing = signing or self.default_signing  # "v1" or "v4"

    def bucket(self, name: str, *, region: str | None = None) -> Client:
        """The same SDK and keys on another bucket."""
        return type(self)(self.target, name, region=region, signing=self.signing)

    def with_credentials(self, credentials: Credentials) -> Client:
        """The same bucket, signed with other keys."""
        target = Target(self.target.endpoint, self.target.region, credentials, self.target.cloud)
        return type(self)(target, self.name, region=self.region, signing=self.signing)

    def signed(self, signing: str) -> Client:
        """The same bucket, signed with V1 or V4."""
        return type(self)(self.target, self.name, region=self.region, signing=signing)

    def all_keys(self, prefix: str = "") -> list[str]:
        """Every key under ``prefix``, following v2 continuation tokens."""
        keys, token = [], ""
        while True:
            page = self.list_v2(prefix=prefix, token=token, max_keys=1000)
            keys += page.keys
            if not page.truncated:
                return keys
            token = page.next

    # Each SDK implements the rest (see oss2_client.py and v2_client.py).
    def create(self, acl: str = "private", storage_class: str | None = None) -> None: ...
    def delete_bucket(self) -> None: ...
    def acl(self) -> str: ...
    def set_acl(self, acl: str) -> None: ...
    def info(self) -> BucketEntry: ...
    def location(self) -> str: ...
    def list_buckets(
        self, prefix: str = "", marker: str = "", max_keys: int = 100
    ) -> tuple[list[BucketEntry], bool, str]: ...
    def put(self, key: str, data: bytes, headers: dict[str, str] | None = None) -> Reply: ...
    def get(self, key: str, headers: dict[str, str] | None = None, process: str | None = None) -> Reply: ...
    def head(self, key: str, headers: dict[str, str] | None = None) -> Reply: ...
    def meta(self, key: str) -> Reply: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def delete_many(self, keys: list[str]) -> list[str]: ...
    def copy(self, src_bucket: str, src_key: str, key: str, headers: dict[str, str] | None = None) -> Reply: ...
    def list_v1(self, prefix: str = "", delimiter: str = "", marker: str = "", max_keys: int = 100) -> Page: ...
    def list_v2(
        self, prefix: str = "", delimiter: str = "", token: str = "", start_after: str = "", max_keys: int = 100,
        fetch_owner: bool = False,
    ) -> Page: ...  # fmt: skip
    def init_upload(self, key: str, headers: dict[str, str] | None = None) -> str: ...
    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> Reply: ...
    def upload_part_copy(
        self, key: str, upload_id: str, number: int, src_bucket: str, src_key: str,
        byte_range: str | None = None, headers: dict[str, str] | None = None,
    ) -> Reply: ...  # fmt: skip
    def complete(
        self, key: str, upload_id: str, parts: list[tuple[int, str]] | None, headers: dict[str, str] | None = None
    ) -> Reply: ...
    def abort(self, key: str, upload_id: str) -> None: ...
    def list_parts(self, key: str, upload_id: str) -> list[tuple[int, int, str]]: ...
    def list_uploads(self, prefix: str = "") -> list[tuple[str, str]]: ...
    def object_acl(self, key: str) -> str: ...
    def set_object_acl(self, key: str, acl: str) -> None: ...
    def process(self, key: str, process: str) -> Processed: ...
    def put_style(self, name: str, content: str) -> None: ...
    def style(self, name: str) -> Style: ...
    def styles(self) -> list[Style]: ...
    def delete_style(self, name: str) -> None: ...
    def sign_url(self, method: str, key: str, expires: int) -> str: ...
    def raw(self, method: str, key: str, params: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        """A signed request with any query, for calls neither SDK makes the way a test needs."""

    def unimplemented(self, call: str) -> Callable[[], object]:
        """The SDK's own call for an OSS operation the emulator does not implement."""


def http_date(when: datetime.datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(when.astimezone(datetime.timezone.utc), usegmt=True)


@contextmanager
def failure_from(converter: Callable[[Exception], OssFailure | None]) -> Iterator[None]:
    """Re-raise an SDK's service error as an :class:`OssFailure`."""
    try:
        yield
    except Exception as exc:
        failure = converter(exc)
        if failure is None:
            raise
        raise failure from exc


def make_client(sdk: str, target: Target, bucket: str) -> Client:
    """A client of ``sdk`` ("oss2" or "v2") on ``bucket``."""
    if sdk == "oss2":
        from .oss2_client import Oss2Client

        return Oss2Client(target, bucket)
    from .v2_client import V2Client

    return V2Client(target, bucket)


@contextmanager
def raises(code: str | None = None, match: str | None = None) -> Iterator[Any]:
    """``pytest.raises`` for a service error with OSS error ``code`` (any code when None)."""
    import pytest

    with pytest.raises(OssFailure, match=match) as exc:
        yield exc
    assert code is None or exc.value.code == code, exc.value
