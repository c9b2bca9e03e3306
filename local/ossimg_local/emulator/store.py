"""Buckets and objects, persisted in a data directory; methods are named after OSS operations.

Layout of the data directory::

    buckets/<bucket>/bucket.json                    BucketInfo
    buckets/<bucket>/objects/<sha256(key)>.json     ObjectInfo (points to a blob)
    buckets/<bucket>/uploads/<upload id>/...        multipart uploads in progress (see multipart.py)
    blobs/<xx>/<blob id>                            object bytes, written once, never modified
    tmp/                                            metadata writes in flight; emptied at start

An object becomes visible when its metadata file is renamed into place, after its blob is durable,
so a crash at any point leaves either the old object or the new one, never a mix. Blobs no metadata
points to (a crash before the rename, or mid-way through writing the blob) are swept at start.

Concurrent requests on one key see what OSS would show them: the old object, the new one, or
NoSuchKey. A blob is deleted only under the store's lock, and readers open it under the same lock
(``open_object``), so a read that found an object keeps its bytes even if the object is overwritten
or deleted before the read finishes.
"""

from __future__ import annotations

import bisect
import hashlib
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, BinaryIO

from . import errors
from .disk import Disk, read_json
from .model import (
    BUCKET_ACLS,
    MAX_STYLES,
    OBJECT_ACLS,
    STYLE_NAME,
    BucketInfo,
    Listing,
    NewObject,
    ObjectInfo,
    StyleInfo,
    valid_bucket_name,
    valid_object_key,
)

ObjectListener = Callable[[str, BucketInfo, ObjectInfo], None]


class Store:
    """All buckets of one emulated account, in one region by default."""

    def __init__(self, root: Path, *, region: str = "cn-hangzhou", durable: bool = True) -> None:
        self.root = root
        self.region = region
        self.disk = Disk(root, durable=durable)
        self._lock = threading.RLock()
        self._buckets: dict[str, BucketInfo] = {}
        self._objects: dict[str, dict[str, ObjectInfo]] = {}
        self._sorted_keys: dict[str, list[str]] = {}
        self._listeners: list[ObjectListener] = []
        self._load()

    # -- start-up ---------------------------------------------------------------------------

    def _load(self) -> None:
        self.disk.recover()
        referenced: set[str] = set()
        for bucket_doc in sorted((self.root / "buckets").glob("*/bucket.json")):
            bucket = BucketInfo.from_doc(read_json(bucket_doc))
            objects = {}
            for meta_path in (bucket_doc.parent / "objects").glob("*.json"):
                info = ObjectInfo.from_doc(read_json(meta_path))
                objects[info.key] = info
                referenced.add(info.blob)
            self._buckets[bucket.name] = bucket
            self._objects[bucket.name] = objects
            self._sorted_keys[bucket.name] = sorted(objects)
            referenced |= _upload_blobs(bucket_doc.parent / "uploads")
        for blob in self.disk.blobs.glob("*/*"):
            if blob.name not in referenced:
                blob.unlink()

    def subscribe(self, listener: ObjectListener) -> None:
        """Call ``listener(event_name, bucket, object)`` after each object write or delete."""
        self._listeners.append(listener)

    def _emit(self, event: str, bucket: BucketInfo, info: ObjectInfo) -> None:
        for listener in self._listeners:
            listener(event, bucket, info)

    # -- buckets ----------------------------------------------------------------------------

    def bucket_dir(self, name: str) -> Path:
        """Folder holding one bucket's metadata."""
        return self.root / "buckets" / name

    def create_bucket(
        self, name: str, *, acl: str = "private", storage_class: str = "Standard", region: str | None = None
    ) -> BucketInfo:
        """PutBucket. Raises InvalidBucketName, BucketAlreadyExists, InvalidArgument."""
        if not valid_bucket_name(name):
            raise errors.InvalidBucketName(BucketName=name)
        if acl not in BUCKET_ACLS:
            raise errors.InvalidArgument(f"no such bucket access control exists: {acl}.")
        with self._lock:
            if name in self._buckets:
                raise errors.BucketAlreadyExists(BucketName=name)
            bucket = BucketInfo(name, time.time(), region or self.region, acl, storage_class)
            self.disk.write_json(self.bucket_dir(name) / "bucket.json", bucket.to_doc())
            self._buckets[name] = bucket
            self._objects[name] = {}
            self._sorted_keys[name] = []
        return bucket

    def write_bucket_file(self, name: str, path: Path, doc: dict[str, Any]) -> None:
        """Write a metadata file inside bucket ``name``'s folder, as long as the bucket exists: a bucket
        deleted meanwhile must not come back as a stray folder. Raises NoSuchBucket."""
        with self._lock:
            self.get_bucket_info(name)
            self.disk.write_json(path, doc)

    def get_bucket_info(self, name: str) -> BucketInfo:
        """GetBucketInfo. Raises NoSuchBucket."""
        try:
            return self._buckets[name]
        except KeyError:
            raise errors.NoSuchBucket(BucketName=name) from None

    def delete_bucket(self, name: str) -> None:
        """DeleteBucket: only an empty bucket with no upload in progress goes. Raises BucketNotEmpty."""
        with self._lock:
            self.get_bucket_info(name)
            if self._objects[name] or any((self.bucket_dir(name) / "uploads").glob("*/upload.json")):
                raise errors.BucketNotEmpty(BucketName=name)
            folder = self.bucket_dir(name)
            # bucket.json goes first so that a crash mid-delete leaves no half bucket behind.
            (folder / "bucket.json").unlink()
            shutil.rmtree(folder)
            del self._buckets[name], self._objects[name], self._sorted_keys[name]

    def list_buckets(self, prefix: str = "", marker: str = "", max_keys: int = 100) -> tuple[list[BucketInfo], bool]:
        """ListBuckets: buckets after ``marker`` starting with ``prefix``; and whether more remain."""
        with self._lock:
            buckets = sorted(
                (b for b in self._buckets.values() if b.name.startswith(prefix) and b.name > marker),
                key=lambda b: b.name,
            )
        return buckets[:max_keys], len(buckets) > max_keys

    def put_bucket_acl(self, name: str, acl: str) -> None:
        """PutBucketAcl. Raises NoSuchBucket, InvalidArgument."""
        if acl not in BUCKET_ACLS:
            raise errors.InvalidArgument(f"no such bucket access control exists: {acl}.")
        with self._lock:
            bucket = self.get_bucket_info(name)
            updated = BucketInfo(bucket.name, bucket.created, bucket.region, acl, bucket.storage_class)
            self.disk.write_json(self.bucket_dir(name) / "bucket.json", updated.to_doc())
            self._buckets[name] = updated

    # -- styles -----------------------------------------------------------------------------

    def _styles(self, bucket: str) -> dict[str, StyleInfo]:
        self.get_bucket_info(bucket)
        path = self.bucket_dir(bucket) / "styles.json"
        return {k: StyleInfo(**v) for k, v in read_json(path).items()} if path.is_file() else {}

    def put_style(self, bucket: str, name: str, content: str) -> StyleInfo:
        """PutStyle: create or replace a style. Raises InvalidArgument past 50 styles or for a bad name."""
        if not STYLE_NAME.match(name):
            raise errors.InvalidArgument(f"The style name {name!r} is not valid.", ArgumentName="styleName")
        with self._lock:
            styles = self._styles(bucket)
            if name not in styles and len(styles) >= MAX_STYLES:
                raise errors.InvalidArgument(f"A bucket can have at most {MAX_STYLES} styles.")
            now = time.time()
            created = styles[name].created if name in styles else now
            styles[name] = StyleInfo(name, content, created, now)
            self.disk.write_json(self.bucket_dir(bucket) / "styles.json", {k: asdict(v) for k, v in styles.items()})
        return styles[name]

    def get_style(self, bucket: str, name: str) -> StyleInfo:
        """GetStyle. Raises NoSuchStyle."""
        with self._lock:  # the bucket (and its styles file) may be deleted meanwhile
            styles = self._styles(bucket)
        try:
            return styles[name]
        except KeyError:
            raise errors.NoSuchStyle(StyleName=name) from None

    def list_styles(self, bucket: str) -> list[StyleInfo]:
        """ListStyle, by name."""
        with self._lock:
            styles = self._styles(bucket)
        return sorted(styles.values(), key=lambda s: s.name)

    def delete_style(self, bucket: str, name: str) -> None:
        """DeleteStyle. Raises NoSuchStyle."""
        with self._lock:
            styles = self._styles(bucket)
            if styles.pop(name, None) is None:
                raise errors.NoSuchStyle(StyleName=name)
            self.disk.write_json(self.bucket_dir(bucket) / "styles.json", {k: asdict(v) for k, v in styles.items()})

    # -- objects ----------------------------------------------------------------------------

    def _meta_path(self, bucket: str, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.bucket_dir(bucket) / "objects" / f"{digest}.json"

    def head_object(self, bucket: str, key: str) -> ObjectInfo:
        """HeadObject. Raises NoSuchBucket, NoSuchKey."""
        self.get_bucket_info(bucket)
        try:
            return self._objects[bucket][key]
        except KeyError:
            raise errors.NoSuchKey(Key=key) from None

    def object_path(self, info: ObjectInfo) -> Path:
        """The file holding an object's bytes. It is never modified, but it is deleted when the object
        is overwritten or deleted: read an object with ``open_object`` or ``read_bytes``."""
        return self.disk.blob_path(info.blob)

    def open_object(self, bucket: str, key: str) -> tuple[ObjectInfo, BinaryIO]:
        """The current version of ``key`` and an open handle on its bytes, taken together, so the
        bytes are those of that version whatever happens to the key afterwards. The caller closes the
        handle. Raises NoSuchBucket, NoSuchKey."""
        with self._lock:
            info = self.head_object(bucket, key)
            return info, self.disk.open_blob(info.blob)

    def read_bytes(self, bucket: str, info: ObjectInfo) -> bytes:
        """The bytes of ``info``, a version of a key in ``bucket`` looked up earlier; if that version was
        overwritten or deleted since, those of the key's current version (as if the lookup had come
        later), or NoSuchKey when there is none."""
        try:
            handle = self.disk.open_blob(info.blob)
        except FileNotFoundError:
            _, handle = self.open_object(bucket, info.key)
        with handle:
            return handle.read()

    def put_object(
        self, bucket: str, key: str, body: Iterable[bytes], new: NewObject, *, event: str = "PutObject"
    ) -> ObjectInfo:
        """PutObject: stream ``body`` to disk, then publish it. Raises InvalidDigest, FileAlreadyExists."""
        self.check_writable(bucket, key, new)
        blob, digest = self.disk.write_blob(body)
        if new.content_md5 is not None and new.content_md5 != digest.content_md5:
            self.disk.delete_blob(blob)
            raise errors.InvalidDigest(Key=key)
        info = ObjectInfo(
            key=key,
            blob=blob,
            size=digest.size,
            etag=digest.etag,
            crc64=digest.crc,
            last_modified=time.time(),
            content_type=new.content_type,
            content_md5=digest.content_md5,
            acl=new.acl,
            user_meta=dict(new.user_meta),
            headers=dict(new.headers),
        )
        return self.commit_object(bucket, info, forbid_overwrite=new.forbid_overwrite, event=event)

    def check_writable(self, bucket: str, key: str, new: NewObject) -> None:
        """Would a write of ``key`` succeed? Raises NoSuchBucket, InvalidObjectName, FileAlreadyExists.
        (``commit_object`` checks again, under the lock, what may have changed meanwhile.)"""
        self.get_bucket_info(bucket)
        if not valid_object_key(key):
            raise errors.InvalidObjectName(Key=key)
        if new.acl not in OBJECT_ACLS:
            raise errors.InvalidArgument(f"no such object access control exists: {new.acl}.")
        if new.forbid_overwrite and key in self._objects.get(bucket, {}):
            raise errors.FileAlreadyExists(Key=key)

    def commit_object(
        self, bucket: str, info: ObjectInfo, *, forbid_overwrite: bool = False, event: str = "PutObject"
    ) -> ObjectInfo:
        """Make ``info`` (whose blob is already durable) the current version of its key.

        The metadata is written and fsynced before the store's lock is taken; under the lock only
        the rename that publishes it and the in-memory index change, so writers of different keys
        never wait on each other's disk flushes."""
        meta = self._meta_path(bucket, info.key)
        staged = self.disk.stage_json(info.to_doc())
        with self._lock:
            try:
                bucket_info = self.get_bucket_info(bucket)
                if forbid_overwrite and info.key in self._objects[bucket]:
                    raise errors.FileAlreadyExists(Key=info.key)
            except errors.OssError:
                self.disk.discard(staged)
                self.disk.delete_blob(info.blob)
                raise
            self.disk.publish(staged, meta)
            old = self._objects[bucket].get(info.key)
            self._objects[bucket][info.key] = info
            if old is None:
                bisect.insort(self._sorted_keys[bucket], info.key)
            else:
                self.disk.delete_blob(old.blob)
        self.disk.sync_dir(meta)  # before the write is acknowledged
        self._emit(f"ObjectCreated:{event}", bucket_info, info)
        return info

    def delete_object(self, bucket: str, key: str) -> None:
        """DeleteObject: succeeds whether or not the key exists, as on OSS."""
        with self._lock:
            bucket_info = self.get_bucket_info(bucket)
            old = self._objects[bucket].pop(key, None)
            if old is None:
                return
            self._meta_path(bucket, key).unlink()
            self._sorted_keys[bucket].remove(key)
            self.disk.delete_blob(old.blob)
        self._emit("ObjectRemoved:DeleteObject", bucket_info, old)

    def delete_objects(self, bucket: str, keys: list[str]) -> list[str]:
        """DeleteMultipleObjects: every named key is reported deleted, present or not."""
        self.get_bucket_info(bucket)
        for key in keys:
            self.delete_object(bucket, key)
        return keys

    def copy_object(
        self,
        src_bucket: str,
        src_key: str,
        dst_bucket: str,
        dst_key: str,
        replace_meta: NewObject | None,
        condition: Callable[[ObjectInfo], None] | None = None,
    ) -> ObjectInfo:
        """CopyObject; ``replace_meta`` is the REPLACE directive's metadata, None to COPY it.
        ``condition`` may refuse the source version found (it raises); the copy is of that version."""
        src, handle = self.open_object(src_bucket, src_key)
        with handle:
            if condition is not None:
                condition(src)
            check = replace_meta or NewObject(acl="default")
            self.check_writable(dst_bucket, dst_key, check)
            blob = self.disk.link_blob(src.blob, handle)
        meta = replace_meta or NewObject(src.content_type, src.user_meta, src.headers, "default")
        # The bytes' identity (size, ETag, CRC, MD5, type) is the source's; the rest is the copy's own.
        acl = meta.acl if replace_meta else "default"
        info = replace(
            src,
            key=dst_key,
            blob=blob,
            last_modified=time.time(),
            content_type=meta.content_type,
            acl=acl,
            storage_class="Standard",
            user_meta=dict(meta.user_meta),
            headers=dict(meta.headers),
        )
        return self.commit_object(dst_bucket, info, forbid_overwrite=check.forbid_overwrite, event="CopyObject")

    def put_object_acl(self, bucket: str, key: str, acl: str) -> None:
        """PutObjectACL. Raises NoSuchKey, InvalidArgument."""
        if acl not in OBJECT_ACLS:
            raise errors.InvalidArgument(f"no such object access control exists: {acl}.")
        with self._lock:
            info = self.head_object(bucket, key).with_acl(acl)
            self.disk.write_json(self._meta_path(bucket, key), info.to_doc())
            self._objects[bucket][key] = info

    def list_objects(
        self, bucket: str, *, prefix: str = "", delimiter: str = "", marker: str = "", max_keys: int = 100
    ) -> Listing:
        """ListObjects: keys after ``marker`` under ``prefix``, rolled up at ``delimiter``."""
        with self._lock:
            self.get_bucket_info(bucket)
            keys = self._sorted_keys[bucket]
            start = bisect.bisect_right(keys, marker) if marker > prefix else bisect.bisect_left(keys, prefix)
            objects: list[ObjectInfo] = []
            prefixes: list[str] = []
            last = ""
            for key in keys[start:]:
                if not key.startswith(prefix):
                    break
                rolled = _common_prefix(key, prefix, delimiter)
                if rolled is not None and (rolled == marker or (prefixes and prefixes[-1] == rolled)):
                    continue
                if len(objects) + len(prefixes) == max_keys:
                    return Listing(objects, prefixes, truncated=True, next_marker=last)
                if rolled is None:
                    objects.append(self._objects[bucket][key])
                    last = key
                else:
                    prefixes.append(rolled)
                    last = rolled
        return Listing(objects, prefixes, truncated=False, next_marker="")


def _common_prefix(key: str, prefix: str, delimiter: str) -> str | None:
    if not delimiter:
        return None
    at = key.find(delimiter, len(prefix))
    return None if at < 0 else key[: at + len(delimiter)]


def _upload_blobs(uploads: Path) -> set[str]:
    """Blob ids held by parts of uploads in progress (they must survive the start-up sweep)."""
    return {read_json(p)["blob"] for p in uploads.glob("*/part-*.json")}
