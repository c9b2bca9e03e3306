"""IMG over HTTP: ``GET ?x-oss-process=…`` returns pixels; ``POST ?x-oss-process`` with
``…|sys/saveas,o_,b_`` stores them (oss-img-spec §1.1, §5).

Every object IMG reads or writes is authorised for the caller: the source before dispatch
(GetObject, or PostProcessTask for saveas), the saveas target (PutObject) and each watermark image
(GetObject, also when a bucket style names it) here.

A request is planned from headers first (engine.prepare), then admitted against the emulator's
image memory (admission.MemoryBudget) with the cost the plan found, and only then decoded. The
output is streamed from where the encoder left it (memory, or a temporary file when large).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import unquote_plus

from ossimg.errors import OpError
from ossimg.img.chain import decode_b64url, parse
from ossimg.img.limits import MAX_SOURCE_BYTES
from ossimg.img.ops import Op

from .. import errors
from ..backend import Backend
from ..checksums import crc64
from ..engine import Output, prepare
from ..model import NewObject, valid_object_key
from ..permissions import require
from ..wire import Request, Response

BODY_PREFIX = "x-oss-process="
# OSS documents no byte cap for this body, only that the process string is capped (EC
# 0017-00000288, number unpublished; 4096 characters here): with ``|sys/saveas,o_…,b_…`` naming a
# key of up to 1023 bytes in base64, 64 KB holds any valid body with room to spare.
MAX_PROCESS_BODY = 64 << 10


def get_processed(backend: Backend, request: Request) -> Response:
    """GET /bucket/key?x-oss-process=image/…: the processed image (or info JSON) in the body."""
    output = _run(backend, request, request.query["x-oss-process"])
    crc = 0
    for chunk in output.chunks():
        crc = crc64(chunk, crc)
    headers = {"Content-Type": output.content_type, "Content-Length": str(output.length)}
    headers["x-oss-hash-crc64ecma"] = str(crc)
    return Response(200, headers, _Streamed(output))


class _Streamed:
    """The output as a WSGI body: the server calls ``close`` when it has sent it (or given up)."""

    def __init__(self, output: Output) -> None:
        self.output = output

    def __iter__(self) -> Iterator[bytes]:
        return self.output.chunks()

    def close(self) -> None:
        self.output.close()


def process_object(backend: Backend, request: Request) -> Response:
    """POST /bucket/key?x-oss-process: run the chain and save the result where saveas says."""
    chain, target_key, target_bucket = _parse_body(request.read_body(MAX_PROCESS_BODY))
    source_bucket = backend.store.get_bucket_info(request.bucket)
    bucket = target_bucket or request.bucket
    require(backend, request, "oss:PutObject", bucket, target_key)
    target = backend.store.get_bucket_info(bucket)
    if target.region != source_bucket.region:
        raise errors.InvalidArgument(
            f"sys/saveas cannot write to bucket {bucket} in {target.region}: "
            f"the source bucket is in {source_bucket.region}, and saveas stays in one region.",
            ArgumentName="b",
            ArgumentValue=bucket,
        )
    output = _run(backend, request, chain)
    try:
        saved = backend.store.put_object(
            bucket, target_key, output.chunks(), NewObject(content_type=output.content_type)
        )
    finally:
        output.close()
    reply: dict[str, object] = {"fileSize": saved.size, "object": target_key, "status": "OK"}
    if target_bucket:
        reply = {"bucket": target_bucket, **reply}
    body = json.dumps(reply, ensure_ascii=False).encode("utf-8")
    return Response(200, {"Content-Type": "application/json"}, body)


def _run(backend: Backend, request: Request, process_text: str) -> Output:
    bucket, key = request.bucket, request.key
    ops = _parse_chain(backend, bucket, process_text)
    region = backend.store.get_bucket_info(bucket).region
    # The object's bytes as a file, opened with the version found (a later overwrite or delete does
    # not change them), read as the decoder asks, never whole into memory.
    try:
        info, handle = backend.store.open_object(bucket, key)
    except errors.NoSuchKey:
        raise errors.NoSuchKey(Key=key, ec="0040-00000024") from None
    if info.size > MAX_SOURCE_BYTES:
        handle.close()
        raise errors.ImageTooLarge("The image file is larger than 20 MB.", ec="0040-00000001")

    def fetch(watermark: str) -> tuple[BinaryIO, int]:
        """Watermark images come from the source's bucket, read as the caller: OSS's documents do not
        say whose right IMG uses, and reading them as the caller is what keeps a private image private."""
        require(backend, request, "oss:GetObject", bucket, watermark)
        mark, opened = backend.store.open_object(bucket, watermark)
        return opened, mark.size

    with prepare(handle, info.size, ops, fetch=fetch, region=region) as job, backend.images.admit(job.cost):
        return job.run()


def _parse_chain(backend: Backend, bucket: str, text: str) -> list[Op]:
    """The operations of ``image/…`` or of the bucket's ``style/<name>``.

    Unknown parameters are refused, except crop's undocumented ``r``, which OSS accepts (every SDK
    suite sends ``crop,…,r_1``; oss-img-spec §1.2).
    """
    if text.startswith("style/"):
        text = backend.store.get_style(bucket, text[len("style/") :]).content
    elif not text.startswith("image/"):
        raise errors.InvalidArgument(
            f"Unsupported process {text[:64]!r}: expected image/… or style/….", ArgumentName="x-oss-process"
        )
    try:
        return parse(_drop_legacy(text))
    except OpError as exc:
        raise errors.InvalidArgument(exc.message, ec=exc.ec, ArgumentName=exc.param or exc.op) from None


def _drop_legacy(text: str) -> str:
    actions = text.split("/")
    for i, action in enumerate(actions):
        if action.startswith("crop,"):
            actions[i] = ",".join(p for p in action.split(",") if not p.startswith("r_"))
    return "/".join(actions)


def _parse_body(body: bytes) -> tuple[str, str, str | None]:
    """``(chain, target key, target bucket or None)`` from ``x-oss-process=<chain>|sys/saveas,…``."""
    text = body.decode("utf-8", "replace").strip()
    if not text.startswith(BODY_PREFIX):
        raise errors.InvalidArgument("The body must be x-oss-process=<process>.", ArgumentName="x-oss-process")
    text = text[len(BODY_PREFIX) :]
    if "%" in text:  # ali-oss form-encodes the body; oss2 sends it raw (oss-img-spec §1.1)
        text = unquote_plus(text)
    chain, _, suffix = text.partition("|")
    if not suffix.startswith("sys/saveas,"):
        raise errors.InvalidArgument(
            "POST x-oss-process needs |sys/saveas,o_<key>[,b_<bucket>] to say where to save.",
            ArgumentName="sys/saveas",
        )
    params = dict(p.partition("_")[::2] for p in suffix[len("sys/saveas,") :].split(",") if p)
    if "o" not in params:
        raise errors.InvalidArgument("sys/saveas needs o_<URL-safe base64 key>.", ArgumentName="o")
    key = _decode(params["o"], "o")
    bucket = _decode(params["b"], "b") if "b" in params else None
    if not valid_object_key(key):
        raise errors.InvalidObjectName(f"The saveas object name {key!r} is not valid.", Key=key)
    return chain, key, bucket


def _decode(value: str, name: str) -> str:
    try:
        return decode_b64url(value)
    except ValueError:
        raise errors.InvalidArgument(
            f"Input is not base64 decoding: {name}_{value}.", ArgumentName=name, ArgumentValue=value
        ) from None
