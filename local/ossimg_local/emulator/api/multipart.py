"""Multipart upload API: initiate, upload part (from the body or copied from an object), complete,
abort, list uploads and parts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from .. import errors
from ..backend import Backend
from ..disk import FileBody
from ..permissions import require
from ..wire import Request, Response, XmlNode, ascii_int, int_param, iso_date, url_encode_key, xml_response
from .common import check_copy_conditions, copy_source, new_object, refuse_unsupported


def initiate_multipart_upload(backend: Backend, request: Request) -> Response:
    """POST /bucket/key?uploads."""
    refuse_unsupported(request)
    upload = backend.multipart.initiate_multipart_upload(request.bucket, request.key, new_object(request))
    enc = request.query.get("encoding-type", "")
    return xml_response(
        "InitiateMultipartUploadResult",
        [
            ("Bucket", request.bucket),
            ("Key", url_encode_key(request.key, enc)),
            ("UploadId", upload.upload_id),
            ("EncodingType", enc or None),
        ],
    )


def upload_part(backend: Backend, request: Request) -> Response:
    """PUT /bucket/key?partNumber=N&uploadId=ID: the body, or with ``x-oss-copy-source`` UploadPartCopy."""
    number = int_param(request, "partNumber", 0, 1, 10000)
    if "x-oss-copy-source" in request.headers:
        return upload_part_copy(backend, request, number)
    part = backend.multipart.upload_part(
        request.bucket, request.key, request.query["uploadId"], number, request.chunks()
    )
    return Response(200, {"ETag": f'"{part.etag}"', "x-oss-hash-crc64ecma": str(part.crc64)})


def upload_part_copy(backend: Backend, request: Request, number: int) -> Response:
    """UploadPartCopy: part N is ``x-oss-copy-source-range`` (or all) of an existing object.

    The reply is OSS's ``CopyPartResult``; the part's ETag also travels as a header, which oss2 reads
    (its ``upload_part_copy`` returns a ``PutObjectResult``), and the CRC header is the part's.
    """
    source = copy_source(request)
    require(backend, request, "oss:GetObject", source.bucket, source.key)  # the target was checked before dispatch
    info, handle = backend.store.open_object(source.bucket, source.key)
    with handle:
        # The UploadPartCopy reference gives 412 for every failed x-oss-copy-source-if-* condition.
        check_copy_conditions(request, info, not_modified=errors.PreconditionFailed)
        start, length = _copy_range(request.headers.get("x-oss-copy-source-range"), info.size)
        chunks = FileBody(handle, start, length)
        part = backend.multipart.upload_part(request.bucket, request.key, request.query["uploadId"], number, chunks)
    response = xml_response(
        "CopyPartResult", [("LastModified", iso_date(part.last_modified)), ("ETag", f'"{part.etag}"')]
    )
    response.headers.update({"ETag": f'"{part.etag}"', "x-oss-hash-crc64ecma": str(part.crc64)})
    return response


def _copy_range(value: str | None, size: int) -> tuple[int, int]:
    """``(start, length)`` of ``bytes=first-last``; the whole source without the header.

    OSS documents only the valid form. Here a malformed value is InvalidArgument and a range outside
    the source is 416 InvalidRange, as a standard range read would be: copying less than was asked
    and answering 200 is the one thing not to do.
    """
    if value is None:
        return 0, size
    match = re.fullmatch(r"bytes=([0-9]+)-([0-9]+)", value.strip())
    if not match:
        raise errors.InvalidArgument(
            "x-oss-copy-source-range must be bytes=first-last.",
            ArgumentName="x-oss-copy-source-range",
            ArgumentValue=value,
        )
    first, last = ascii_int(match.group(1)) or 0, ascii_int(match.group(2)) or 0
    if first > last or last >= size:
        raise errors.InvalidRange(RangeRequested=value, ActualObjectSize=str(size))
    return first, last - first + 1


def complete_multipart_upload(backend: Backend, request: Request) -> Response:
    """POST /bucket/key?uploadId=ID with the part list, or ``x-oss-complete-all: yes``."""
    refuse_unsupported(request)
    body = request.read_body()
    chosen = None if request.headers.get("x-oss-complete-all") == "yes" else _parse_parts(body)
    info = backend.multipart.complete_multipart_upload(request.bucket, request.key, request.query["uploadId"], chosen)
    enc = request.query.get("encoding-type", "")
    response = xml_response(
        "CompleteMultipartUploadResult",
        [
            ("EncodingType", enc or None),
            ("Location", f"http://{request.host}/{request.bucket}/{request.key}"),
            ("Bucket", request.bucket),
            ("Key", url_encode_key(request.key, enc)),
            ("ETag", f'"{info.etag}"'),
        ],
    )
    response.headers["ETag"] = f'"{info.etag}"'
    response.headers["x-oss-hash-crc64ecma"] = str(info.crc64)
    return response


def _parse_parts(body: bytes) -> list[tuple[int, str]]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise errors.MalformedXML() from None
    parts = []
    for part in root.iter("Part"):
        number = ascii_int((part.findtext("PartNumber") or "").strip())
        if number is None:
            raise errors.MalformedXML()
        parts.append((number, (part.findtext("ETag") or "").strip()))
    return parts


def abort_multipart_upload(backend: Backend, request: Request) -> Response:
    """DELETE /bucket/key?uploadId=ID."""
    backend.multipart.abort_multipart_upload(request.bucket, request.key, request.query["uploadId"])
    return Response(204)


def list_parts(backend: Backend, request: Request) -> Response:
    """GET /bucket/key?uploadId=ID with ``max-parts`` and ``part-number-marker`` paging."""
    upload_id = request.query["uploadId"]
    max_parts = int_param(request, "max-parts", 1000, 1, 1000)
    marker = int_param(request, "part-number-marker", 0, 0, 10000)
    parts = [p for p in backend.multipart.list_parts(request.bucket, request.key, upload_id) if p.number > marker]
    page, truncated = parts[:max_parts], len(parts) > max_parts
    enc = request.query.get("encoding-type", "")
    children: list[XmlNode] = [
        ("Bucket", request.bucket),
        ("Key", url_encode_key(request.key, enc)),
        ("UploadId", upload_id),
        ("PartNumberMarker", marker),
        ("NextPartNumberMarker", page[-1].number if page else marker),
        ("MaxParts", max_parts),
        ("IsTruncated", truncated),
        ("EncodingType", enc or None),
    ]
    children += [
        (
            "Part",
            [
                ("PartNumber", p.number),
                ("LastModified", iso_date(p.last_modified)),
                ("ETag", f'"{p.etag}"'),
                ("HashCrc64ecma", p.crc64),
                ("Size", p.size),
            ],
        )
        for p in page
    ]
    return xml_response("ListPartsResult", children)


def list_multipart_uploads(backend: Backend, request: Request) -> Response:
    """GET /bucket/?uploads with prefix, key-marker/upload-id-marker and max-uploads."""
    query = request.query
    prefix = query.get("prefix", "")
    key_marker, id_marker = query.get("key-marker", ""), query.get("upload-id-marker", "")
    max_uploads = int_param(request, "max-uploads", 1000, 1, 1000)
    uploads = [
        u
        for u in backend.multipart.list_multipart_uploads(request.bucket, prefix)
        if (u.key, u.upload_id) > (key_marker, id_marker) or not key_marker
    ]
    page, truncated = uploads[:max_uploads], len(uploads) > max_uploads
    enc = query.get("encoding-type", "")
    last = page[-1] if page and truncated else None
    children: list[XmlNode] = [
        ("Bucket", request.bucket),
        ("KeyMarker", key_marker),
        ("UploadIdMarker", id_marker),
        ("NextKeyMarker", url_encode_key(last.key, enc) if last else ""),
        ("NextUploadIdMarker", last.upload_id if last else ""),
        ("Delimiter", query.get("delimiter", "")),
        ("Prefix", url_encode_key(prefix, enc)),
        ("MaxUploads", max_uploads),
        ("IsTruncated", truncated),
        ("EncodingType", enc or None),
    ]
    children += [
        (
            "Upload",
            [("Key", url_encode_key(u.key, enc)), ("UploadId", u.upload_id), ("Initiated", iso_date(u.initiated))],
        )
        for u in page
    ]
    return xml_response("ListMultipartUploadsResult", children)
