"""OSS on the wire: the parsed request, responses, XML bodies, error rendering, HTTP dates."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import re
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, quote

from .checksums import crc64
from .errors import EntityTooLarge, InvalidArgument, InvalidBucketName, InvalidObjectName, OssError

if TYPE_CHECKING:
    from .auth import Credential

XmlValue = str | int | bool | None | list["XmlNode"]
XmlNode = tuple[str, XmlValue]

# The largest XML document (batch delete, part list, style, bucket configuration) read into memory. OSS
# documents no byte limit; 1,000 keys of 1,023 bytes, each character escaped, or 10,000 parts stay under it.
MAX_XML_BODY = 8 << 20
# Numbers in requests are parsed from at most this many digits: any longer one is larger than every
# limit OSS has, so it is read as this cap (``ascii_int``) instead of being converted digit by digit.
INT_CAP = 10**18
# What a header value may hold on the wire (RFC 9110 field-value: visible ASCII, space, tab, obs-text).
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")
# Values echoed in an error body are cut to this many characters: the request already holds them whole.
ECHO_LIMIT = 1024


class Body(Protocol):
    """A request body as the server hands it over: something to read from."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass
class Request:
    """An OSS request, decoded: path-style bucket and key, query, lower-cased headers."""

    method: str
    bucket: str
    key: str
    query_pairs: list[tuple[str, str]]
    headers: dict[str, str]
    body: Body
    content_length: int | None
    host: str
    request_id: str = field(default_factory=lambda: secrets.token_hex(12).upper())
    # The key that signed the request, once authenticated; None when it is anonymous.
    credential: Credential | None = None

    def check_names(self) -> None:
        """Refuse a path that is not UTF-8: OSS names buckets and keys in UTF-8 only.
        Raises InvalidBucketName, InvalidObjectName."""
        if not _is_utf8(self.bucket):
            raise InvalidBucketName("The bucket name is not valid UTF-8.", BucketName=_printable(self.bucket))
        if not _is_utf8(self.key):
            raise InvalidObjectName("The object name is not valid UTF-8.", Key=_printable(self.key))

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

    def read_body(self, limit: int = MAX_XML_BODY) -> bytes:
        """The whole (small) body: XML documents, process strings. A body past ``limit`` is refused
        before it is read when its length is declared, and as soon as it passes the limit otherwise,
        so it is never held in memory. Raises EntityTooLarge."""
        too_large = EntityTooLarge(f"The request body is larger than {limit} bytes.", MaxSizeAllowed=str(limit))
        if self.content_length is not None and self.content_length > limit:
            raise too_large
        data = bytearray()
        for chunk in self.chunks(min(1 << 20, limit + 1)):
            data += chunk
            if len(data) > limit:
                raise too_large
        return bytes(data)


class Sha256CheckedBody:
    """The body of a V4 request that signed its SHA-256 (``x-oss-content-sha256``): read through, it is
    hashed, and once it has all been read it must match, or the read fails (InvalidArgument, as OSS
    calls a wrong ``x-oss-content-sha256``, 0002-00000214) before whatever reads it can store it."""

    def __init__(self, body: Body, expected: str, length: int | None) -> None:
        self._body, self._expected, self._left = body, expected, length
        self._hash = hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes of the body; at its end, the check."""
        chunk = self._body.read(size)
        self._hash.update(chunk)
        if self._left is not None:
            self._left -= len(chunk)
        if not chunk or (self._left is not None and self._left <= 0):
            self._verify()
        return chunk

    def _verify(self) -> None:
        if not hmac.compare_digest(self._hash.hexdigest(), self._expected):
            raise InvalidArgument(
                "The x-oss-content-sha256 you specified does not match the SHA-256 of the body.",
                ec="0002-00000214",
                ArgumentName="x-oss-content-sha256",
                ArgumentValue=self._expected,
            )


def parse_environ(environ: dict[str, Any]) -> Request:
    """Build a :class:`Request` from a WSGI environ (path style: ``/bucket/key``)."""
    # WSGI gives the percent-decoded path as latin-1 text; OSS keys are UTF-8.
    path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "surrogateescape")
    bucket, _, key = path.lstrip("/").partition("/")
    headers = {name[5:].replace("_", "-").lower(): value for name, value in environ.items() if name.startswith("HTTP_")}
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.replace("_", "-").lower()] = environ[name]
    length = ascii_int(headers.get("content-length", ""))
    return Request(
        method=environ["REQUEST_METHOD"],
        bucket=bucket,
        key=key,
        query_pairs=parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        headers=headers,
        body=environ["wsgi.input"],
        content_length=length,
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
        ("HostId", _clip(request.host)),
        *((name, _clip(value)) for name, value in error.resource.items()),
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
    """Seconds since the epoch for an HTTP date, None when unparseable (conditions then do not apply)."""
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def plain_elements(text: str, tag: str, limit: int) -> list[str]:
    """The texts of the first ``limit`` ``<tag>…</tag>`` elements of a document read as plain text
    (for bodies that are not XML 1.0), found in one pass: a lazy regex would rescan the rest of the
    document from every opening tag that never closes, which is quadratic and holds the GIL."""
    opening, closing = f"<{tag}>", f"</{tag}>"
    found: list[str] = []
    at = text.find(opening)
    while at >= 0 and len(found) < limit:
        end = text.find(closing, at + len(opening))
        if end < 0:
            break
        found.append(text[at + len(opening) : end])
        at = text.find(opening, end + len(closing))
    return found


def url_encode_key(value: str, encoding_type: str) -> str:
    """Keys in listings: percent-encoded when the client asked for ``encoding-type=url``."""
    return quote(value, safe="/") if encoding_type == "url" else value


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high], else InvalidArgument naming it."""
    raw = request.query.get(name, "")
    if raw == "":
        return default
    value = ascii_int(raw)
    if value is None or not low <= value <= high:
        raise InvalidArgument(
            f"Argument {name} must be an integer between {low} and {high}.",
            ArgumentName=name,
            ArgumentValue=raw,
        )
    return value


def ascii_int(raw: str) -> int | None:
    """A non-negative integer written in ASCII digits, None for anything else.

    ``str.isdigit`` also accepts superscripts and other scripts' digits that ``int`` refuses or reads
    differently, and ``int`` refuses strings over 4,300 digits; here only ``0-9`` count, and a number
    longer than :data:`INT_CAP` reads as the cap, which is past every limit OSS checks it against.
    """
    if not raw or not raw.isascii() or not raw.isdigit():
        return None
    digits = raw.lstrip("0")
    return INT_CAP if len(digits) > len(str(INT_CAP)) else min(int(digits or "0"), INT_CAP)


def header_safe(value: str) -> bool:
    """Can ``value`` travel as an HTTP header value (no CR, LF or other control, latin-1 only)?"""
    return _HEADER_VALUE.fullmatch(value) is not None


def _is_utf8(text: str) -> bool:
    """Did ``text`` decode from UTF-8 without escaped bytes (``surrogateescape`` leaves lone surrogates)?"""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(text: str) -> str:
    """``text`` with its undecodable bytes shown as U+FFFD, for an error message."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _clip(value: str) -> str:
    return value if len(value) <= ECHO_LIMIT else value[:ECHO_LIMIT] + "..."
