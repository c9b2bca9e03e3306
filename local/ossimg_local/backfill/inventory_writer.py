"""Make an inventory of a bucket the way OSS delivers one: objects PUT into a destination bucket.

OSS writes its inventories itself, as objects (``inventory.py`` describes the layout). The emulator
has no inventory scheduler; this tool lists a bucket and writes the same objects through the SDK, so
``ossimg backfill --inventory`` reads, locally, exactly what it reads on OSS: a ``manifest.json``, its
``manifest.checksum``, and gzip CSV lists of at most ``rows_per_file`` rows, streamed (the listing is
never held in memory; each list is built in a temporary file).

Readings where OSS's pages are silent: ``LastModifiedDate`` is written as ISO 8601 UTC
(``2024-05-01T08:00:00.000Z``), keys are percent-encoded with ``/`` kept (a space as ``%20``, a ``+``
as ``%2B``: the same key whether read as a path or, as ``inventory.py`` reads it, as a form value),
every value is quoted, and MD5 checksums are upper-case hex (as the documented example is).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import tempfile
import time
import uuid
from typing import Any, BinaryIO
from urllib.parse import quote

from .objects import iso

SCHEMA = ("Bucket", "Key", "Size", "LastModifiedDate", "ETag", "StorageClass", "IsMultipartUploaded")
ROWS_PER_FILE = 100_000


def write_inventory(
    source: Any,
    dest: Any,
    *,
    prefix: str = "",
    inventory_id: str = "ossimg",
    rows_per_file: int = ROWS_PER_FILE,
    now: float | None = None,
) -> str:
    """List ``source`` (an oss2.Bucket) and write its inventory into ``dest``; returns the manifest's
    ``oss://`` address."""
    import oss2

    started = time.time() if now is None else now
    base = "/".join(p for p in (prefix.strip("/"), source.bucket_name, inventory_id) if p)
    name = str(uuid.uuid4())
    files: list[dict[str, Any]] = []
    rows = _Rows(base, name)
    for info in oss2.ObjectIterator(source, max_keys=1000):
        multipart = str(info.type == "Multipart").lower()
        rows.add(
            [
                source.bucket_name,
                quote(info.key, safe="/"),
                str(info.size),
                iso(float(info.last_modified)),
                f'"{info.etag}"',
                info.storage_class or "Standard",
                multipart,
            ]
        )
        if rows.count >= rows_per_file:
            files.append(rows.upload(dest, len(files)))
            rows = _Rows(base, name)
    if rows.count or not files:
        files.append(rows.upload(dest, len(files)))
    manifest = json.dumps(
        {
            "creationTimestamp": str(int(started)),
            "destinationBucket": dest.bucket_name,
            "fileFormat": "CSV",
            "fileSchema": ", ".join(SCHEMA),
            "files": files,
            "sourceBucket": source.bucket_name,
            "version": "2019-09-01",
        }
    ).encode()
    folder = f"{base}/{time.strftime('%Y-%m-%dT%H-%MZ', time.gmtime(started))}"
    dest.put_object(f"{folder}/manifest.json", manifest, headers={"Content-Type": "application/json"})
    dest.put_object(f"{folder}/manifest.checksum", hashlib.md5(manifest, usedforsecurity=False).hexdigest().upper())
    return f"oss://{dest.bucket_name}/{folder}/manifest.json"


class _Rows:
    """One list file being written: gzip CSV in a temporary file, its MD5 taken as it grows."""

    def __init__(self, base: str, name: str) -> None:
        self._base, self._name = base, name
        self._file: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 (closed by upload)
        self._gzip = gzip.GzipFile(fileobj=self._file, mode="wb")
        self._text = io.TextIOWrapper(self._gzip, encoding="utf-8", newline="")
        self._csv = csv.writer(self._text, quoting=csv.QUOTE_ALL, lineterminator="\n")
        self.count = 0

    def add(self, values: list[str]) -> None:
        self._csv.writerow(values)
        self.count += 1

    def upload(self, dest: Any, index: int) -> dict[str, Any]:
        """PUT the file as ``data/<uuid>[-index].csv.gz``; its entry in the manifest's ``files``."""
        self._text.flush()
        self._text.detach()
        self._gzip.close()
        size = self._file.tell()
        self._file.seek(0)
        digest = hashlib.md5(usedforsecurity=False)
        for block in iter(lambda: self._file.read(1 << 20), b""):
            digest.update(block)
        self._file.seek(0)
        key = f"{self._base}/data/{self._name}{f'-{index}' if index else ''}.csv.gz"
        dest.put_object(key, self._file, headers={"Content-Type": "application/x-gzip"})
        self._file.close()
        return {"key": key, "size": size, "MD5checksum": digest.hexdigest().upper()}
