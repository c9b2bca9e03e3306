"""The one port to OSS the pipeline uses, and its oss2 adapter.

oss2 is imported when the first client is built, not when this module is, so an invocation that
matches no rule never pays for it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .errors import OssCallError
from .retry import is_transient

if TYPE_CHECKING:
    from .settings import Credentials


@dataclass(frozen=True)
class ProcessResult:
    """What OSS reports after ``sys/saveas``: the saved object's bucket, key and size."""

    bucket: str
    key: str
    file_size: int
    status: str


class OssClient(Protocol):
    """What ossimg asks of OSS."""

    def process_object(self, bucket: str, key: str, process: str) -> ProcessResult:
        """POST ``process`` (a chain with ``|sys/saveas``) for ``bucket/key``. Raises OssCallError."""
        ...

    def get_object(self, bucket: str, key: str) -> tuple[bytes, str]:
        """The object's bytes and ETag (used for rules kept in OSS). Raises OssCallError."""
        ...

    def head_object(self, bucket: str, key: str) -> str:
        """The object's ETag. Raises OssCallError."""
        ...


class Oss2Client:
    """OssClient over the oss2 SDK: V4 signatures, one shared connection pool for every bucket."""

    def __init__(self, endpoint: str, region: str, credentials: Credentials, *, timeout: float = 30) -> None:
        import oss2

        self._oss2 = oss2
        provider = oss2.credentials.StaticCredentialsProvider(
            credentials.access_key_id, credentials.access_key_secret, credentials.security_token or ""
        )
        self._auth = oss2.ProviderAuthV4(provider)
        self._session = oss2.Session()
        self._endpoint = endpoint
        self._region = region
        self._timeout = timeout
        self._buckets: dict[str, Any] = {}
        self._lock = threading.Lock()

    def bucket(self, name: str) -> Any:
        """The oss2 Bucket for ``name`` (cached; all share one session)."""
        with self._lock:
            if name not in self._buckets:
                self._buckets[name] = self._oss2.Bucket(
                    self._auth, self._endpoint, name, session=self._session,
                    connect_timeout=self._timeout, region=self._region,
                )  # fmt: skip
            return self._buckets[name]

    def process_object(self, bucket: str, key: str, process: str) -> ProcessResult:
        """See :class:`OssClient`."""
        exceptions = self._oss2.exceptions
        try:
            result = self.bucket(bucket).process_object(key, process)
        except exceptions.OssError as exc:
            raise _call_error(exc, bucket, key) from None
        except json.JSONDecodeError as exc:
            raise OssCallError(
                f"OSS answered process_object with a body that is not JSON ({exc}).",
                code="InvalidResponse", status=-1, transient=True, bucket=bucket, key=key,
            ) from None  # fmt: skip
        return ProcessResult(result.bucket or bucket, result.object, int(result.fileSize or 0), result.process_status)

    def get_object(self, bucket: str, key: str) -> tuple[bytes, str]:
        """See :class:`OssClient`."""
        try:
            result = self.bucket(bucket).get_object(key)
            return result.read(), _etag(result.headers)
        except self._oss2.exceptions.OssError as exc:
            raise _call_error(exc, bucket, key) from None

    def head_object(self, bucket: str, key: str) -> str:
        """See :class:`OssClient`."""
        try:
            return _etag(self.bucket(bucket).head_object(key).headers)
        except self._oss2.exceptions.OssError as exc:
            raise _call_error(exc, bucket, key) from None


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
