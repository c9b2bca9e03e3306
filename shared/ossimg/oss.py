"""The one port to OSS the pipeline uses, and its oss2 adapter.

oss2 is imported when the first client is built, not when this module is, so an invocation that
matches no rule never pays for it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from .errors import OssCallError
from .retry import is_transient

if TYPE_CHECKING:
    from .settings import Credentials

T = TypeVar("T")
META = "x-oss-meta-"
SMALL_BODY = 64 * 1024  # answers up to this size are read as they arrive (see _read_small)


class ProcessResult(NamedTuple):
    """What OSS reports after ``sys/saveas``: the saved object's bucket, key and size."""

    bucket: str
    key: str
    file_size: int
    status: str


class Stat(NamedTuple):
    """An object's user metadata, its age in seconds by OSS's own clock, and what it is."""

    meta: dict[str, str]
    age: float
    etag: str = ""
    content_type: str = ""
    last_modified: float | None = None  # seconds since the epoch


class OssClient(Protocol):
    """What ossimg asks of OSS. Every method raises OssCallError."""

    def process_object(self, bucket: str, key: str, process: str) -> ProcessResult:
        """POST ``process`` (a chain with ``|sys/saveas``) for ``bucket/key``."""
        ...

    def get_object(self, bucket: str, key: str) -> tuple[bytes, str]:
        """The object's bytes and ETag (rules kept in OSS)."""
        ...

    def get_head(self, bucket: str, key: str, length: int) -> tuple[bytes, str]:
        """The first ``length`` bytes of an object (to read an image header), and its ETag."""
        ...

    def head_object(self, bucket: str, key: str) -> str:
        """The object's ETag."""
        ...

    def user_meta(self, bucket: str, key: str) -> dict[str, str] | None:
        """The object's ``x-oss-meta-*`` values by short name, or None when it does not exist."""
        ...

    def replace_meta(self, bucket: str, key: str, content_type: str, meta: dict[str, str]) -> None:
        """Copy the object onto itself with new user metadata (``REPLACE`` directive)."""
        ...

    def stat(self, bucket: str, key: str) -> Stat | None:
        """The object's user metadata and age, or None when it does not exist."""
        ...

    def put_marker(self, bucket: str, key: str, meta: dict[str, str], *, exclusive: bool) -> bool:
        """Write an empty object with user metadata; with ``exclusive``, only if the key is free
        (``x-oss-forbid-overwrite``): False when it already exists."""
        ...

    def delete_object(self, bucket: str, key: str) -> None:
        """Delete the object (no error when it is already gone)."""
        ...


class Oss2Client:
    """OssClient over the oss2 SDK: V4 signatures, one shared connection pool for every bucket."""

    def __init__(
        self,
        endpoint: str,
        region: str,
        credentials: Credentials,
        *,
        timeout: float = 30,
        pool_size: int = 16,
        proxy_from_env: bool = False,
    ) -> None:
        import oss2

        self._oss2 = oss2
        provider = oss2.credentials.StaticCredentialsProvider(
            credentials.access_key_id, credentials.access_key_secret, credentials.security_token or ""
        )
        self._auth = oss2.ProviderAuthV4(provider)
        self._session = oss2.Session(pool_size=pool_size)
        # requests reads the proxy variables (and .netrc) from the environment on every request: a
        # sixth of the function's CPU per variant. FC's network needs no proxy; OSSIMG_PROXY_FROM_ENV=1
        # brings the scan back for a network that does.
        self._session.session.trust_env = proxy_from_env
        self._session.session.hooks["response"].append(_read_small)
        self._endpoint = endpoint
        self._region = region
        self._timeout = timeout
        self._buckets: dict[str, Any] = {}
        self._lock = threading.Lock()

    def bucket(self, name: str) -> Any:
        """The oss2 Bucket for ``name`` (cached; all share one session)."""
        with self._lock:
            if name not in self._buckets:
                # No client CRC: this client moves no object bytes worth it (an image header, rules
                # that are validated anyway), and oss2 builds a CRC table in Python per request.
                self._buckets[name] = self._oss2.Bucket(
                    self._auth,
                    self._endpoint,
                    name,
                    session=self._session,
                    connect_timeout=self._timeout,
                    region=self._region,
                    enable_crc=False,
                )
            return self._buckets[name]

    def _call(self, bucket: str, key: str, call: Callable[[], T]) -> T:
        import http.client  # with requests: loaded by oss2 already, so free here and never at cold start

        import requests

        try:
            return call()
        except self._oss2.exceptions.OssError as exc:
            raise _call_error(exc, bucket, key) from None
        except (requests.RequestException, http.client.HTTPException, OSError) as exc:
            # A connection dropped while the answer was read: oss2 lets these through unwrapped.
            raise OssCallError(
                f"the connection failed while reading OSS's answer ({exc}).",
                code="ConnectionError",
                status=-2,
                transient=True,
                bucket=bucket,
                key=key,
            ) from None
        except json.JSONDecodeError as exc:
            raise OssCallError(
                f"OSS answered with a body that is not JSON ({exc}).",
                code="InvalidResponse",
                status=-1,
                transient=True,
                bucket=bucket,
                key=key,
            ) from None

    def process_object(self, bucket: str, key: str, process: str) -> ProcessResult:
        """See :class:`OssClient`."""
        result = self._call(bucket, key, lambda: self.bucket(bucket).process_object(key, process))
        return ProcessResult(result.bucket or bucket, result.object, int(result.fileSize or 0), result.process_status)

    def get_object(self, bucket: str, key: str) -> tuple[bytes, str]:
        """See :class:`OssClient`."""

        def read() -> tuple[bytes, str]:
            result = self.bucket(bucket).get_object(key)
            return result.read(), _etag(result.headers)

        return self._call(bucket, key, read)

    def get_head(self, bucket: str, key: str, length: int) -> tuple[bytes, str]:
        """See :class:`OssClient`."""

        def read() -> tuple[bytes, str]:
            result = self.bucket(bucket).get_object(key, byte_range=(0, length - 1))
            return bytes(result.read()), _etag(result.headers)

        return self._call(bucket, key, read)

    def head_object(self, bucket: str, key: str) -> str:
        """See :class:`OssClient`."""
        return self._call(bucket, key, lambda: _etag(self.bucket(bucket).head_object(key).headers))

    def user_meta(self, bucket: str, key: str) -> dict[str, str] | None:
        """See :class:`OssClient`."""
        found = self.stat(bucket, key)
        return None if found is None else found.meta

    def stat(self, bucket: str, key: str) -> Stat | None:
        """See :class:`OssClient`."""
        from email.utils import parsedate_to_datetime

        def read() -> Stat | None:
            try:
                headers = self.bucket(bucket).head_object(key).headers
            except self._oss2.exceptions.NotFound as exc:
                if getattr(exc, "code", "") == "NoSuchBucket":
                    raise
                return None
            meta = {k[len(META) :].lower(): v for k, v in headers.items() if k.lower().startswith(META)}
            # Both times are OSS's, so the age is right however far this machine's clock is off.
            now, modified = (parsedate_to_datetime(headers.get(h, "")) for h in ("date", "last-modified"))
            kind = headers.get("content-type", "")
            return Stat(meta, (now - modified).total_seconds(), _etag(headers), kind, modified.timestamp())

        return self._call(bucket, key, read)

    def put_marker(self, bucket: str, key: str, meta: dict[str, str], *, exclusive: bool) -> bool:
        """See :class:`OssClient`."""
        # Given, so that oss2 does not guess one from the key with mimetypes, whose first use reads
        # the system's type tables (13 ms of a cold start); OSS stores the same default without it.
        headers = {"Content-Type": "application/octet-stream", **{META + k: v for k, v in meta.items()}}
        if exclusive:
            headers["x-oss-forbid-overwrite"] = "true"

        def put() -> bool:
            try:
                self.bucket(bucket).put_object(key, b"", headers=headers)
            except self._oss2.exceptions.ServerError as exc:
                if getattr(exc, "code", "") == "FileAlreadyExists":
                    return False
                raise
            return True

        return self._call(bucket, key, put)

    def delete_object(self, bucket: str, key: str) -> None:
        """See :class:`OssClient`."""
        self._call(bucket, key, lambda: self.bucket(bucket).delete_object(key))

    def replace_meta(self, bucket: str, key: str, content_type: str, meta: dict[str, str]) -> None:
        """See :class:`OssClient`; an empty ``content_type`` keeps the object's own."""

        def replace() -> None:
            target = self.bucket(bucket)
            kind = content_type or target.head_object(key).headers.get("Content-Type", "application/octet-stream")
            target.update_object_meta(key, {"Content-Type": kind, **{META + k: v for k, v in meta.items()}})

        self._call(bucket, key, replace)


def _read_small(response: Any, *_: Any, **__: Any) -> None:
    """Read a small answer whole as it arrives, which hands its connection back to the pool.

    oss2 streams every answer and reads only the bodies it parses, so a HEAD, a DELETE or a copy's
    XML left unread keeps its connection out of the pool until garbage collection, and the next
    request opens a new one (a TCP handshake, and a new channel for the server): four of a first
    delivery's twelve requests did. What is read stays readable whole (requests keeps it), but not
    piece by piece: oss2's ``read(n)`` starts over on kept bytes, so an object's bytes (a GET that
    succeeded) are left to their reader, whose last read gives the connection back."""
    import requests

    if response.request.method == "GET" and response.status_code < 300:
        return
    length = response.headers.get("content-length", "")
    bodiless = response.request.method == "HEAD" or response.status_code in (204, 304)
    if bodiless or (length.isdigit() and int(length) <= SMALL_BODY):
        try:
            response.content  # noqa: B018 (read for its effect)
        except requests.RequestException as exc:
            # Cut off mid-body. Raised as the OSError it is, which oss2 passes on unwrapped, as when
            # it reads a body itself, so that the caller reports a ConnectionError either way.
            raise ConnectionAbortedError(f"the answer was cut off: {exc}") from exc


def _etag(headers: Any) -> str:
    return str(headers.get("etag", "")).strip('"').upper()


def _call_error(exc: Any, bucket: str, key: str) -> OssCallError:
    status = int(getattr(exc, "status", -1))
    code = str(getattr(exc, "code", "") or ("RequestError" if status < 0 else f"HTTP{status}"))
    details = getattr(exc, "details", {}) or {}
    message = str(getattr(exc, "message", "") or details.get("Message", "") or exc)
    return OssCallError(
        message.strip() or code,
        code=code,
        status=status,
        transient=is_transient(status, code),
        request_id=str(getattr(exc, "request_id", "") or ""),
        ec=str(details.get("EC", "") or ""),
        bucket=bucket,
        key=key,
    )
