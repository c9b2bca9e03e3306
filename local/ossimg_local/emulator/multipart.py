"""Multipart uploads: initiate, upload parts, complete, abort, list.

Parts are blobs like any object's bytes; completing an upload concatenates them into one new blob
and commits it through the store, so the object appears atomically.

Each upload changes state under its own lock (one of a fixed set of stripes): a part is recorded,
replaced, completed or aborted one at a time. So an upload completes once (a second
CompleteMultipartUpload, even one racing the first, finds it gone: NoSuchUpload, as OSS says of a
completed upload), and a part whose bytes arrive after the upload completed or was aborted is refused
and its blob deleted, never left behind.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

from . import errors
from .disk import read_chunks, read_json
from .model import NewObject, ObjectInfo, PartInfo, UploadInfo
from .store import Store

MIN_PART_SIZE = 100 * 1024  # every part but the last (OSS "Limits")
MAX_PART_NUMBER = 10000
# The upload ids this emulator issues; anything else names no upload (and never reaches a file path).
UPLOAD_ID = re.compile(r"[0-9A-F]{32}")
LOCK_STRIPES = 64


class Multipart:
    """Multipart uploads of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def _lock(self, upload_id: str) -> threading.Lock:
        """The lock of ``upload_id`` (any text: an id never issued gets one too, and then NoSuchUpload)."""
        return self._locks[zlib.crc32(upload_id.encode("utf-8", "replace")) % LOCK_STRIPES]

    def _folder(self, bucket: str, upload_id: str) -> Path:
        return self.store.bucket_dir(bucket) / "uploads" / upload_id

    def _upload(self, bucket: str, key: str, upload_id: str) -> UploadInfo:
        self.store.get_bucket_info(bucket)
        if not UPLOAD_ID.fullmatch(upload_id):
            raise errors.NoSuchUpload(UploadId=upload_id)
        try:
            upload = UploadInfo(**read_json(self._folder(bucket, upload_id) / "upload.json"))
        except FileNotFoundError:
            raise errors.NoSuchUpload(UploadId=upload_id) from None
        if upload.key != key:
            raise errors.NoSuchUpload(UploadId=upload_id)
        return upload

    def _parts(self, bucket: str, upload_id: str) -> list[PartInfo]:
        return [PartInfo(**read_json(p)) for p in sorted(self._folder(bucket, upload_id).glob("part-*.json"))]

    def initiate_multipart_upload(self, bucket: str, key: str, new: NewObject) -> UploadInfo:
        """InitiateMultipartUpload."""
        self.store.check_writable(bucket, key, new)
        upload = UploadInfo(
            uuid.uuid4().hex.upper(),
            bucket,
            key,
            time.time(),
            new.content_type,
            dict(new.user_meta),
            dict(new.headers),
            new.acl,
        )
        # Through the store, so a bucket deleted meanwhile is not brought back as a stray folder.
        self.store.write_bucket_file(bucket, self._folder(bucket, upload.upload_id) / "upload.json", upload.to_doc())
        return upload

    def upload_part(self, bucket: str, key: str, upload_id: str, number: int, body: Iterable[bytes]) -> PartInfo:
        """UploadPart: a part replaces any earlier part with the same number."""
        if not 1 <= number <= MAX_PART_NUMBER:
            raise errors.InvalidArgument(
                f"Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive.",
                ArgumentName="partNumber",
                ArgumentValue=str(number),
            )
        self._upload(bucket, key, upload_id)  # refused before the bytes are read, and again once they are in
        blob, digest = self.store.disk.write_blob(body)
        part = PartInfo(number, blob, digest.size, digest.etag, digest.crc, digest.md5_bytes.hex(), time.time())
        doc = self._folder(bucket, upload_id) / f"part-{number:05d}.json"
        with self._lock(upload_id):
            try:
                self._upload(bucket, key, upload_id)  # completed or aborted while the bytes arrived?
            except errors.OssError:
                self.store.disk.delete_blob(blob)
                raise
            old = read_json(doc)["blob"] if doc.is_file() else None
            self.store.disk.write_json(doc, asdict(part))
            if old:
                self.store.disk.delete_blob(old)
        return part

    def list_parts(self, bucket: str, key: str, upload_id: str) -> list[PartInfo]:
        """ListParts, in part-number order."""
        with self._lock(upload_id):
            self._upload(bucket, key, upload_id)
            return self._parts(bucket, upload_id)

    def complete_multipart_upload(
        self, bucket: str, key: str, upload_id: str, chosen: list[tuple[int, str]] | None
    ) -> ObjectInfo:
        """CompleteMultipartUpload with ``(number, etag)`` pairs, or every part when ``chosen`` is None."""
        with self._lock(upload_id):
            upload = self._upload(bucket, key, upload_id)
            parts = {p.number: p for p in self._parts(bucket, upload_id)}
            selected = _select_parts(parts, chosen)
            blob, digest = self.store.disk.write_blob(_concat(self.store, selected))
            # OSS multipart ETag: MD5 of the concatenated binary part MD5s, then "-<part count>".
            md5s = b"".join(bytes.fromhex(p.md5) for p in selected)
            etag = f"{hashlib.md5(md5s).hexdigest().upper()}-{len(selected)}"
            info = ObjectInfo(
                key=key,
                blob=blob,
                size=digest.size,
                etag=etag,
                crc64=digest.crc,
                last_modified=time.time(),
                content_type=upload.content_type,
                object_type="Multipart",
                acl=upload.acl,
                user_meta=upload.user_meta,
                headers=upload.headers,
            )
            committed = self.store.commit_object(bucket, info, event="CompleteMultipartUpload")
            self._discard(bucket, upload_id, parts.values())
        return committed

    def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        """AbortMultipartUpload: the parts are gone."""
        with self._lock(upload_id):
            self._upload(bucket, key, upload_id)
            self._discard(bucket, upload_id, self._parts(bucket, upload_id))

    def _discard(self, bucket: str, upload_id: str, parts: Iterable[PartInfo]) -> None:
        folder = self._folder(bucket, upload_id)
        # upload.json goes first: from then on the upload no longer exists, even after a crash.
        (folder / "upload.json").unlink(missing_ok=True)
        for part in parts:
            self.store.disk.delete_blob(part.blob)
        shutil.rmtree(folder, ignore_errors=True)

    def list_multipart_uploads(self, bucket: str, prefix: str = "") -> list[UploadInfo]:
        """ListMultipartUploads, ordered by key then initiation time."""
        self.store.get_bucket_info(bucket)
        uploads = []
        for path in (self.store.bucket_dir(bucket) / "uploads").glob("*/upload.json"):
            try:
                uploads.append(UploadInfo(**read_json(path)))
            except FileNotFoundError:  # completed or aborted since the folder was listed
                continue
        return sorted((u for u in uploads if u.key.startswith(prefix)), key=lambda u: (u.key, u.initiated))


def _select_parts(parts: dict[int, PartInfo], chosen: list[tuple[int, str]] | None) -> list[PartInfo]:
    if chosen is None:
        chosen = [(n, parts[n].etag) for n in sorted(parts)]
    if not chosen:
        raise errors.MalformedXML()
    numbers = [n for n, _ in chosen]
    if numbers != sorted(set(numbers)):
        raise errors.InvalidPartOrder()
    selected = []
    for number, etag in chosen:
        part = parts.get(number)
        if part is None or etag.strip('"').upper() != part.etag:
            raise errors.InvalidPart(PartNumber=str(number), ETag=etag)
        selected.append(part)
    for part in selected[:-1]:
        if part.size < MIN_PART_SIZE:
            raise errors.EntityTooSmall(PartNumber=str(part.number), PartSize=str(part.size))
    return selected


def _concat(store: Store, parts: list[PartInfo]) -> Iterator[bytes]:
    for part in parts:
        yield from read_chunks(store.disk.blob_path(part.blob))
