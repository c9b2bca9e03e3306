"""Object API: put (and copy), get (ranges, conditions), head, delete, batch delete, ACL."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import xml.etree.ElementTree as ET

from .. import errors
from ..backend import Backend
from ..disk import FileBody
from ..model import ObjectInfo
from ..permissions import require
from ..wire import (
    Request,
    Response,
    XmlNode,
    ascii_int,
    header_safe,
    iso_date,
    parse_http_date,
    plain_elements,
    url_encode_key,
    xml_response,
)
from .common import check_copy_conditions, copy_source, new_object, object_headers, owner, refuse_unsupported

MAX_DELETE_KEYS = 1000  # per DeleteMultipleObjects (OSS EC 0016-00000609)
RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


def put_object(backend: Backend, request: Request) -> Response:
    """PUT /bucket/key: a new object from the body, or a copy when ``x-oss-copy-source`` is set."""
    refuse_unsupported(request)
    if "x-oss-copy-source" in request.headers:
        return copy_object(backend, request)
    info = backend.store.put_object(request.bucket, request.key, request.chunks(), new_object(request))
    return Response(
        200,
        {
            "ETag": f'"{info.etag}"',
            "x-oss-hash-crc64ecma": str(info.crc64),
            "Content-MD5": info.content_md5 or "",
        },
    )


def copy_object(backend: Backend, request: Request) -> Response:
    """PUT with ``x-oss-copy-source: /bucket/key``; ``x-oss-metadata-directive`` COPY or REPLACE."""
    source = copy_source(request)
    src_bucket, src_key = source.bucket, source.key
    require(backend, request, "oss:GetObject", src_bucket, src_key)  # the target was checked before dispatch
    directive = request.headers.get("x-oss-metadata-directive", "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise errors.InvalidArgument(
            "x-oss-metadata-directive must be COPY or REPLACE.",
            ArgumentName="x-oss-metadata-directive",
            ArgumentValue=directive,
        )
    replace = new_object(request) if directive == "REPLACE" else None

    def conditions(source: ObjectInfo) -> None:
        check_copy_conditions(request, source, not_modified=errors.NotModified)

    info = backend.store.copy_object(src_bucket, src_key, request.bucket, request.key, replace, conditions)
    response = xml_response(
        "CopyObjectResult", [("ETag", f'"{info.etag}"'), ("LastModified", iso_date(info.last_modified))]
    )
    # The copy's CRC, as for any write; left unset, the CRC of this XML reply would be sent instead.
    response.headers["x-oss-hash-crc64ecma"] = str(info.crc64)
    return response


def get_object(backend: Backend, request: Request) -> Response:
    """GET /bucket/key with optional Range and If-* conditions.

    The object's bytes are opened with its metadata, so a GET racing an overwrite or a delete sends
    the version it found, whole, as OSS would.
    """
    overrides = _response_overrides(request)
    info, handle = backend.store.open_object(request.bucket, request.key)
    try:
        _check_conditions(request, info)
        standard = request.headers.get("x-oss-range-behavior", "").lower() == "standard"
        span = parse_range(request.headers.get("range", ""), info.size, standard=standard)
    except errors.OssError:
        handle.close()
        raise
    headers = {**object_headers(info), **overrides}
    if span is None:
        headers["Content-Length"] = str(info.size)
        return Response(200, headers, FileBody(handle))
    start, end = span
    headers["Content-Length"] = str(end - start + 1)
    headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    headers.pop("Content-MD5", None)
    return Response(206, headers, FileBody(handle, start, end - start + 1))


def _response_overrides(request: Request) -> dict[str, str]:
    """The ``response-*`` query parameters as the headers they set. The value's UTF-8 bytes are sent as
    they are (``Content-Disposition: attachment; filename="猫.jpg"`` reaches the client as UTF-8); a
    value with CR, LF or another control character cannot be a header at all and is refused rather
    than sent as two."""
    overrides = {}
    for param, header in RESPONSE_OVERRIDES.items():
        value = request.query.get(param)
        if value is None:
            continue
        on_the_wire = value.encode("utf-8").decode("latin-1")  # what waitress writes is latin-1
        if not header_safe(on_the_wire):
            raise errors.InvalidArgument(
                f"{param} cannot be sent as a {header} header.", ArgumentName=param, ArgumentValue=repr(value)
            )
        overrides[header] = on_the_wire
    return overrides


def head_object(backend: Backend, request: Request) -> Response:
    """HEAD /bucket/key: the headers of GET, no body."""
    info = backend.store.head_object(request.bucket, request.key)
    _check_conditions(request, info)
    headers = object_headers(info)
    headers["Content-Length"] = str(info.size)
    return Response(200, headers)


def get_object_meta(backend: Backend, request: Request) -> Response:
    """HEAD /bucket/key?objectMeta: ETag, size and date only."""
    info = backend.store.head_object(request.bucket, request.key)
    return Response(
        200,
        {
            "ETag": f'"{info.etag}"',
            "Content-Length": str(info.size),
            "Last-Modified": object_headers(info)["Last-Modified"],
        },
    )


def delete_object(backend: Backend, request: Request) -> Response:
    """DELETE /bucket/key: 204 whether or not the key existed."""
    backend.store.delete_object(request.bucket, request.key)
    return Response(204)


def delete_objects(backend: Backend, request: Request) -> Response:
    """POST /bucket/?delete with a ``<Delete>`` document."""
    body = request.read_body()
    md5 = request.headers.get("content-md5")
    if md5 and md5 != base64.b64encode(hashlib.md5(body).digest()).decode():
        raise errors.InvalidDigest()
    quiet, keys = _parse_delete(body)
    for key in keys:
        require(backend, request, "oss:DeleteObject", request.bucket, key)
    deleted = backend.store.delete_objects(request.bucket, keys)
    encoding = request.query.get("encoding-type", "")
    children: list[XmlNode] = []
    if not quiet:
        children = [("Deleted", [("Key", url_encode_key(k, encoding))]) for k in deleted]
    if encoding:
        children.append(("EncodingType", encoding))
    return xml_response("DeleteResult", children)


def _parse_delete(body: bytes) -> tuple[bool, list[str]]:
    """``(quiet, keys)``. oss2 writes control characters raw, which is not XML 1.0, so a plain-text
    reading is the fallback OSS evidently has too (oss2's own test deletes ``中文\\x0c-2.txt``)."""
    try:
        root = ET.fromstring(body)
        keys = [el.text or "" for el in root.iter("Key")]
        quiet = (root.findtext("Quiet") or "false").strip().lower() == "true"
    except ET.ParseError:
        text = body.decode("utf-8", "replace")
        keys = [html.unescape(k) for k in plain_elements(text, "Key", MAX_DELETE_KEYS + 1)]
        quiet = any(q.strip().lower() == "true" for q in plain_elements(text, "Quiet", 1))
    if not keys:
        raise errors.MalformedXML()
    if len(keys) > MAX_DELETE_KEYS:
        raise errors.MalformedXML(
            f"A DeleteMultipleObjects request can delete at most {MAX_DELETE_KEYS} objects.", ec="0016-00000609"
        )
    return quiet, keys


def get_object_acl(backend: Backend, request: Request) -> Response:
    """GET /bucket/key?acl."""
    info = backend.store.head_object(request.bucket, request.key)
    return xml_response("AccessControlPolicy", [("Owner", owner()), ("AccessControlList", [("Grant", info.acl)])])


def put_object_acl(backend: Backend, request: Request) -> Response:
    """PUT /bucket/key?acl with ``x-oss-object-acl``."""
    acl = request.headers.get("x-oss-object-acl")
    if acl is None:
        raise errors.MissingArgument("Missing x-oss-object-acl header.", ArgumentName="x-oss-object-acl")
    backend.store.put_object_acl(request.bucket, request.key, acl)
    return Response(200)


def parse_range(value: str, size: int, *, standard: bool) -> tuple[int, int] | None:
    """One ``bytes=a-b`` span, or None for the whole object.

    By default OSS ignores a range it cannot satisfy, or that runs past the end, and sends the whole
    object with 200. With ``x-oss-range-behavior: standard`` a range running past the end is cut at it
    (206) and one starting past the end is 416 InvalidRange. A malformed value is ignored either way.
    """
    match = re.fullmatch(r"bytes=([0-9]*)-([0-9]*)", value.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = (ascii_int(n) for n in match.groups())  # numbers past any size read as a cap
    if first is None:
        start, end = size - (last or 0), size - 1
        if start < 0 and standard:  # a suffix longer than the object is the whole object (RFC 7233)
            start = 0
    else:
        start = first
        end = last if last is not None else size - 1
        if last is not None and end < start:
            return None
        if standard:
            end = min(end, size - 1)
    if standard and start >= size:
        raise errors.InvalidRange(RangeRequested=value, ActualObjectSize=str(size))
    if start < 0 or end >= size or start > end:
        return None
    return start, end


def _check_conditions(request: Request, info: ObjectInfo) -> None:
    """If-Match / If-Unmodified-Since fail with 412; If-None-Match / If-Modified-Since with 304."""
    headers = request.headers
    etag = info.etag
    modified = int(info.last_modified)
    if "if-match" in headers and headers["if-match"].strip('"').upper() != etag:
        raise errors.PreconditionFailed(Condition="If-Match")
    since = parse_http_date(headers.get("if-unmodified-since", ""))
    if since is not None and modified > since:
        raise errors.PreconditionFailed(Condition="If-Unmodified-Since")
    if "if-none-match" in headers and headers["if-none-match"].strip('"').upper() == etag:
        raise errors.NotModified()
    since = parse_http_date(headers.get("if-modified-since", ""))
    if since is not None and modified <= since:
        raise errors.NotModified()
