"""OSS bucket inventories, read as OSS delivers them: a ``manifest.json`` naming gzip CSV files.

The format (OSS "Bucket inventory" / 存储空间清单, help.aliyun.com/zh/oss/user-guide/bucket-inventory,
doc-detail/163489): an inventory run writes, in the destination bucket,
``<prefix>/<source bucket>/<inventory id>/<YYYY-MM-DDTHH-MMZ>/manifest.json`` (and ``manifest.checksum``,
the MD5 of manifest.json) and the lists under ``<…>/<inventory id>/data/<uuid>.csv.gz``, then
``<uuid>-1.csv.gz`` … when a list is split. ``manifest.json`` looks like::

    {"creationTimestamp": "1642994594", "destinationBucket": "dest-bucket-name", "fileFormat": "CSV",
     "fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, StorageClass, LastModifiedDate,
                    ETag, IsMultipartUploaded, EncryptionStatus, ObjectAcl, TaggingCount, ObjectType, CRC64",
     "files": [{"MD5checksum": "F77449179760C3B13F1E76110F07****", "key": "dest-prefix/…/data/a15….csv.gz",
                "size": 2046}],
     "sourceBucket": "source-bucket-name", "version": "2019-09-01"}

``fileSchema`` names the CSV columns, left to right (which ones depends on the inventory's settings);
the ``Key`` column is URL-encoded ("Object名称使用URL编码, 您必须解码后查看"); each object appears in
exactly one file. The files are in the destination bucket, the manifest's own bucket.

Readings taken where the pages are silent: a key is decoded as a form value (``unquote_plus``: ``%XX``
and ``+`` as a space). OSS does not say how it encodes a space there. The format copies S3's inventory,
which writes a space as ``+`` and a ``+`` as ``%2B`` (cloud-custodian issue #1997); OSS's own
``encoding-type=url`` listings write both as ``%20`` and ``%2B``, since its Go SDK decodes them with
``url.QueryUnescape`` (``+`` is a space) and oss2 with ``unquote`` (``+`` is a plus) and both read keys
right. Only an encoder that left ``+`` bare would be misread, and neither does. ``LastModifiedDate``
is read as ISO 8601 UTC (with ``:`` or ``-`` between time parts); an ``ETag`` may be quoted; a first
row that repeats the schema's names is a header and skipped; with ``IsLatest`` / ``IsDeleteMarker``
(inventories of all versions) only the current, non-deleted version counts. Files are streamed
(gunzip as they download) and their MD5 checked at their end.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import unquote_plus

from .objects import Entry, parse_time

SCHEME = "oss://"


class InventoryError(ValueError):
    """An inventory that cannot be read: what is wrong, and where."""


class Manifest(NamedTuple):
    """What ``manifest.json`` says: the source bucket, the columns, and the list files in order."""

    bucket: str  # where the manifest and its files are
    source_bucket: str
    columns: tuple[str, ...]
    files: tuple[tuple[str, int, str], ...]  # (key, size, MD5)


def split_url(url: str) -> tuple[str, str]:
    """``oss://bucket/key`` -> ``(bucket, key)``. Raises InventoryError."""
    bucket, _, key = url.removeprefix(SCHEME).partition("/")
    if not url.startswith(SCHEME) or not bucket or not key:
        raise InventoryError(f"{url!r} is not an oss://bucket/key/manifest.json address")
    return bucket, key


def parse_manifest(text: bytes, bucket: str, where: str) -> Manifest:
    """Read a ``manifest.json``; ``where`` names it in errors. Raises InventoryError."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InventoryError(f"{where}: not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise InventoryError(f"{where}: a manifest is a JSON object")
    if str(doc.get("fileFormat", "")).upper() != "CSV":
        raise InventoryError(f"{where}: fileFormat is {doc.get('fileFormat')!r}; only CSV inventories are read")
    columns = tuple(name.strip() for name in str(doc.get("fileSchema", "")).split(","))
    if "Key" not in columns:
        raise InventoryError(f"{where}: fileSchema {doc.get('fileSchema')!r} has no Key column")
    files = doc.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) and f.get("key") for f in files):
        raise InventoryError(f"{where}: 'files' must list objects with a 'key'")
    listed = tuple((str(f["key"]), int(f.get("size") or 0), str(f.get("MD5checksum", ""))) for f in files)
    return Manifest(bucket, str(doc.get("sourceBucket", "")), columns, listed)


def read_rows(stream: Any, manifest: Manifest, index: int, skip: int) -> Iterator[tuple[Entry | None, int]]:
    """The rows of list file ``index`` (a readable stream of its gzip bytes) from row ``skip`` on: each
    row's entry (None for a row that is no current object) and the row number after it. The file's MD5
    is checked once it is read whole. Raises InventoryError."""
    key, _, md5 = manifest.files[index]
    digest = _Hashing(stream)
    text = io.TextIOWrapper(gzip.GzipFile(fileobj=digest), encoding="utf-8", newline="")
    row = 0
    try:
        for values in csv.reader(text):
            row += 1
            if row <= skip:
                continue
            yield _entry(values, manifest, key, row), row
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise InventoryError(f"oss://{manifest.bucket}/{key}: cannot be read as gzip CSV ({exc})") from None
    if md5 and digest.complete and digest.md5.hexdigest().upper() != md5.upper():
        raise InventoryError(f"oss://{manifest.bucket}/{key}: its MD5 is not the manifest's {md5}")


def _entry(values: list[str], manifest: Manifest, where: str, row: int) -> Entry | None:
    if len(values) != len(manifest.columns):
        raise InventoryError(
            f"oss://{manifest.bucket}/{where} row {row}: {len(values)} values for {len(manifest.columns)} columns"
        )
    fields = dict(zip(manifest.columns, values, strict=True))
    if row == 1 and tuple(values) == manifest.columns:
        return None  # a header row
    if fields.get("IsLatest", "true").lower() == "false" or fields.get("IsDeleteMarker", "").lower() == "true":
        return None
    try:
        size = int(fields["Size"]) if fields.get("Size") else None
        modified = parse_time(fields["LastModifiedDate"]) if fields.get("LastModifiedDate") else None
    except ValueError as exc:
        raise InventoryError(f"oss://{manifest.bucket}/{where} row {row}: {exc}") from None
    try:
        key = unquote_plus(fields["Key"], errors="strict")
    except UnicodeDecodeError:
        raise InventoryError(
            f"oss://{manifest.bucket}/{where} row {row}: the Key {fields['Key'][:80]!r} does not URL-decode to UTF-8"
        ) from None
    etag = fields.get("ETag", "").strip('"') or None
    return Entry(fields.get("Bucket") or manifest.source_bucket, key, size, etag, modified)


class _Hashing:
    """A read-only stream that hashes what passes through it."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.complete = False

    def read(self, size: int = -1) -> bytes:
        data = bytes(self._stream.read(size) if size is not None and size >= 0 else self._stream.read())
        self.md5.update(data)
        if not data:
            self.complete = True
        return data

    def readable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        raise io.UnsupportedOperation(f"an inventory file is read as it downloads, never rewound ({offset}, {whence})")


class Inventory:
    """The objects an inventory lists, file by file, resumable at a row (a :class:`~.objects.Source`)."""

    def __init__(self, bucket_for: Any, url: str) -> None:
        self._bucket_for = bucket_for  # name -> oss2.Bucket
        self.url = url
        bucket, key = split_url(url)
        body = bucket_for(bucket).get_object(key).read()
        self.manifest = parse_manifest(body, bucket, url)
        self._total = sum(size for _, size, _ in self.manifest.files) or 1
        self._read = 0

    def describe(self) -> dict[str, Any]:
        """See :class:`~.objects.Source`."""
        return {"kind": "inventory", "manifest": self.url}

    def entries(self, cursor: dict[str, Any] | None) -> Iterator[tuple[Entry, dict[str, Any]]]:
        """See :class:`~.objects.Source`: the cursor is ``{"file": index, "row": rows read}``."""
        first, skip = int((cursor or {}).get("file", 0)), int((cursor or {}).get("row", 0))
        self._read = sum(size for _, size, _ in self.manifest.files[:first])
        for index in range(first, len(self.manifest.files)):
            key, size, _ = self.manifest.files[index]
            stream = self._bucket_for(self.manifest.bucket).get_object(key)
            for entry, row in read_rows(stream, self.manifest, index, skip if index == first else 0):
                if entry is not None:
                    yield entry, {"file": index, "row": row}
            self._read += size

    def fraction(self) -> float | None:
        """See :class:`~.objects.Source`: by the compressed bytes of the files read so far."""
        return min(1.0, self._read / self._total)
