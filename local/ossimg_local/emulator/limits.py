"""Caps on request bodies, checked before a body is read: a declared ``Content-Length`` over the
cap is refused at once, and a chunked body is counted while it streams and refused as soon as it
passes the cap, so no request makes the emulator hold more than the cap.

OSS's documented maxima: PutObject and UploadPart take at most 5 GB (EntityTooLarge beyond). OSS
documents no byte cap for the IMG ``POST ?x-oss-process`` body, only that the process string is
capped (EC 0017-00000288, number unpublished; this emulator caps it at 4096 characters): the body
is that string plus ``|sys/saveas,o_…,b_…`` with a key of at most 1023 bytes in base64, so 64 KB
holds any valid one with room to spare.
"""

from __future__ import annotations

from . import errors
from .wire import Request

MAX_OBJECT_BODY = 5 * 1024**3
MAX_PROCESS_BODY = 64 * 1024


def check_declared(request: Request, cap: int) -> None:
    """Refuse a body whose ``Content-Length`` is over ``cap`` before reading any of it."""
    if request.content_length is not None and request.content_length > cap:
        raise errors.EntityTooLarge(
            f"The request body declares {request.content_length} bytes; at most {cap} are accepted here."
        )


def read_capped(request: Request, cap: int) -> bytes:
    """The whole body, refused once it is known to be over ``cap``: from its ``Content-Length``
    before reading, or (chunked) as soon as the bytes read pass it."""
    check_declared(request, cap)
    data = bytearray()
    for chunk in request.chunks(min(cap + 1, 1 << 20)):
        data += chunk
        if len(data) > cap:
            raise errors.EntityTooLarge(f"The request body is larger than {cap} bytes.")
    return bytes(data)
