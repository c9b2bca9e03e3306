"""OSS on the wire: the parsed request, responses, XML bodies, error rendering, HTTP dates."""

from __future__ import annotations

import base64
import email.utils
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import parse_qsl, quote

from .checksums import crc64
from .errors import EntityTooLarge, InvalidArgument, OssError

if TYPE_CHECKING:
    from .auth import Credential

XmlValue = str | int | bool | None | list["XmlNode"]
XmlNode = tuple[str, XmlValue]


@dataclass
class Request:
    """An OSS request, decoded: path-style bucket and key, query, lower-cased headers."""

    method: str
    bucket: str
    key: str
    query_pairs: list[tuple[str, str]]
    headers: dict[str, str]
    body: BinaryIO
    content_length: int | None
    host: str
    request_id: str = field(default_factory=lambda: secrets.token_hex(12).upper())
    # The key that signed the request, once authenticated; None when it is anonymous.
    credential: Credential | None = None

    @property
    def query(self) -> dict[str, str]:
        """Query parameters; a repeated name keeps its last value."""
        return dict(self.query_pairs)

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The request body, chunk by chunk (the server has already undone chunked encoding)."""
        left = self.content_length
        while left is None or left > 0:
            chunk = self.body.read(size if left is None else min(size, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk

    def read_body(self, limit: int = 64 << 20) -> bytes:
        """The whole (small) body: XML documents, process strings."""
        data = b"".join(self.chunks())
        if len(data) > limit:
            raise EntityTooLarge(f"The request body is larger than {limit} bytes.")
        return data


def parse_environ(environ: dict[str, Any]) -> Request:
    """Build a :class:`Request` from a WSGI environ (path style: ``/bucket/key``)."""
    # WSGI gives the percent-decoded path as latin-1 text; OSS keys are UTF-8.
    path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "surrogateescape")
    bucket, _, key = path.lstrip("/").partition("/")
    headers = {name[5:].replace("_", "-").lower(): value for name, value in environ.items() if name.startswith("HTTP_")}
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.replace("_", "-").lower()] = environ[name]
    length = headers.get("content-length")
    return Request(
        method=environ["REQUEST_METHOD"],
        bucket=bucket,
        key=key,
        query_pairs=parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        headers=headers,
        body=environ["wsgi.input"],
        content_length=int(length) if length and length.isdigit() else None,
        host=headers.get("host") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}",
    )


@dataclass
class Response:
    """Status, headers and a body (bytes, or an iterable streamed from disk)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""

    def finish(self, request: Request) -> Response:
        """Add the headers every OSS response carries."""
        self.headers.setdefault("x-oss-request-id", request.request_id)
        self.headers.setdefault("Date", http_date(time.time()))
        if isinstance(self.body, bytes):
            self.headers.setdefault("Content-Length", str(len(self.body)))
            if self.body:
                self.headers.setdefault("x-oss-hash-crc64ecma", str(crc64(self.body)))
        if request.method == "HEAD":
            self.body = b""
        return self


def xml_response(root: str, children: list[XmlNode], status: int = 200) -> Response:
    """An XML document with OSS's declaration and no namespace (oss2 finds tags without one)."""
    return Response(status, {"Content-Type": "application/xml"}, xml_bytes(root, children))


def xml_text_response(root: str, text: str) -> Response:
    """An XML document whose root holds only text, e.g. ``<LocationConstraint>``."""
    element = ET.Element(root)
    element.text = text
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="utf-8")
    return Response(200, {"Content-Type": "application/xml"}, body)


def xml_bytes(root: str, children: list[XmlNode]) -> bytes:
    """Render ``(tag, value)`` pairs; a list value nests, None is skipped."""
    element = ET.Element(root)
    _fill(element, children)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(ET.tostring(element, encoding="utf-8"))


def _fill(parent: ET.Element, children: list[XmlNode]) -> None:
    for tag, value in children:
        if value is None:
            continue
        child = ET.SubElement(parent, tag)
        if isinstance(value, list):
            _fill(child, value)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        else:
            child.text = str(value)


def error_response(error: OssError, request: Request) -> Response:
    """OSS error XML; for HEAD the same XML travels base64-encoded in ``x-oss-err``."""
    if error.status == 304:
        return Response(304)
    children: list[XmlNode] = [
        ("Code", error.code),
        ("Message", error.message),
        ("RequestId", request.request_id),
        ("HostId", request.host),
        *error.resource.items(),
    ]
    if error.detail:
        children.append(("AccessDeniedDetail", [(name, value) for name, value in error.detail]))
    if error.ec:
        children += [("EC", error.ec), ("RecommendDoc", f"https://api.aliyun.com/troubleshoot?q={error.ec}")]
    body = xml_bytes("Error", children)
    response = Response(error.status, {"Content-Type": "application/xml"}, body)
    if error.ec:
        response.headers["x-oss-ec"] = error.ec
    if request.method == "HEAD":
        response.headers["x-oss-err"] = base64.b64encode(body).decode()
    return response


def http_date(timestamp: float) -> str:
    """RFC 1123 date with a two-digit day, the only form oss2 parses."""
    return email.utils.formatdate(timestamp, usegmt=True)


def iso_date(timestamp: float) -> str:
    """ISO 8601 with ``.000Z``, as OSS listings show dates."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(timestamp))


def parse_http_date(value: str) -> float | None:
    """Seconds since the epoch for an HTTP date, None when unparseable."""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed.timestamp()


def url_encode_key(value: str, encoding_type: str) -> str:
    """Keys in listings: percent-encoded when the client asked for ``encoding-type=url``."""
    return quote(value, safe="/") if encoding_type == "url" else value


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high], else InvalidArgument naming it."""
    raw = request.query.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidArgument(
            f"Argument {name} must be an integer between {low} and {high}.",
            ArgumentName=name, ArgumentValue=raw,
        )  # fmt: skip
    return int(raw)
