"""Reading OSS bucket inventories: the manifest OSS documents, and gzip CSV lists read as they stream."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io

import pytest

from ossimg_local.backfill.inventory import InventoryError, Manifest, parse_manifest, read_rows, split_url
from ossimg_local.backfill.objects import Entry

# The manifest.json example of OSS's "Bucket inventory" page (help.aliyun.com/zh/oss/user-guide/bucket-inventory).
DOCUMENTED = b"""{ "creationTimestamp": "1642994594", "destinationBucket": "dest-bucket-name", "fileFormat": "CSV",
"fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, StorageClass, LastModifiedDate, ETag,
 IsMultipartUploaded, EncryptionStatus, ObjectAcl, TaggingCount, ObjectType, CRC64",
"files": [{ "MD5checksum": "F77449179760C3B13F1E76110F07****",
 "key": "dest-prefix/source-bucket-name/inventory-id/data/a1574226-b5e5-40ee-91df-356845777c04.csv.gz",
 "size": 2046}], "sourceBucket": "source-bucket-name", "version": "2019-09-01" }""".replace(b"\n", b"")

SCHEMA = ("Bucket", "Key", "Size", "LastModifiedDate", "ETag")


def test_the_documented_manifest():
    manifest = parse_manifest(DOCUMENTED, "dest-bucket-name", "oss://dest-bucket-name/x/manifest.json")
    assert manifest.source_bucket == "source-bucket-name"
    assert manifest.columns[:6] == ("Bucket", "Key", "VersionId", "IsLatest", "IsDeleteMarker", "Size")
    assert len(manifest.columns) == 15
    assert manifest.files == (
        ("dest-prefix/source-bucket-name/inventory-id/data/a1574226-b5e5-40ee-91df-356845777c04.csv.gz", 2046,
         "F77449179760C3B13F1E76110F07****"),
    )  # fmt: skip


@pytest.mark.parametrize(("text", "message"), [
    (b"not json", "not JSON"),
    (b'{"fileFormat": "ORC", "fileSchema": "Bucket, Key", "files": []}', "only CSV inventories are read"),
    (b'{"fileFormat": "CSV", "fileSchema": "Bucket, Size", "files": []}', "has no Key column"),
    (b'{"fileFormat": "CSV", "fileSchema": "Key", "files": [{"size": 1}]}', "'files' must list objects with a 'key'"),
])  # fmt: skip
def test_manifests_that_cannot_be_read(text, message):
    with pytest.raises(InventoryError, match=message):
        parse_manifest(text, "b", "oss://b/manifest.json")


def csv_gz(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, quoting=csv.QUOTE_ALL).writerows(rows)
    return gzip.compress(text.getvalue().encode(), mtime=0)  # the same bytes in every test worker


def manifest_for(data: bytes, columns=SCHEMA, md5: str | None = None) -> Manifest:
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest().upper() if md5 is None else md5
    return Manifest("dest", "src", columns, (("inv/data/a.csv.gz", len(data), digest),))


def rows(data: bytes, manifest: Manifest | None = None, skip: int = 0):
    return list(read_rows(io.BytesIO(data), manifest or manifest_for(data), 0, skip))


def test_keys_are_url_decoded_and_fields_typed():
    etag = '"5EB63BBBE01EEED093CB22BB8F5ACDC3"'  # quoted, as HTTP writes ETags
    data = csv_gz([
        ["src", "photos/%E7%8C%AB/a%20b%2Bc.jpg", "1234", "2024-05-01T08:00:00.000Z", etag],
        ["src", "photos/100%25.jpg", "", "", ""],
    ])  # fmt: skip
    assert rows(data) == [
        (Entry("src", "photos/猫/a b+c.jpg", 1234, "5EB63BBBE01EEED093CB22BB8F5ACDC3", 1714550400.0), 1),
        (Entry("src", "photos/100%.jpg", None, None, None), 2),
    ]


@pytest.mark.parametrize(("written", "key"), [
    ("photos/a+b.jpg", "photos/a b.jpg"),  # S3's inventory (the format OSS copies) writes a space as '+'
    ("photos/a%2Bb.jpg", "photos/a+b.jpg"),  # ... and a '+' as %2B
    ("photos/a%20b.jpg", "photos/a b.jpg"),  # OSS's url-encoded listings write a space as %20
])  # fmt: skip
def test_keys_are_decoded_as_form_values(written, key):
    ((entry, _),) = rows(csv_gz([["src", written, "1", "", ""]]))
    assert entry.key == key


def test_resumes_at_a_row():
    data = csv_gz([["src", f"k{n}", "1", "", ""] for n in range(5)])
    assert [(e.key, row) for e, row in rows(data, skip=3)] == [("k3", 4), ("k4", 5)]


def test_a_header_row_and_old_versions_are_not_objects():
    columns = ("Bucket", "Key", "IsLatest", "IsDeleteMarker")
    data = csv_gz([list(columns), ["src", "a", "true", "false"], ["src", "b", "false", "false"],
                   ["src", "c", "true", "true"]])  # fmt: skip
    assert [e.key if e else None for e, _ in rows(data, manifest_for(data, columns))] == [None, "a", None, None]


def test_a_list_whose_md5_is_not_the_manifests_is_refused_once_read():
    data = csv_gz([["src", "a", "1", "", ""]])
    with pytest.raises(InventoryError, match="its MD5 is not the manifest's 00000000"):
        rows(data, manifest_for(data, md5="00000000"))


@pytest.mark.parametrize(("data", "message"), [
    (b"not gzip at all", "cannot be read as gzip CSV"),
    (csv_gz([["src", "a"]]), "row 1: 2 values for 5 columns"),
    (csv_gz([["src", "a", "many", "", ""]]), "row 1: invalid literal"),
    (csv_gz([["src", "a", "1", "yesterday", ""]]), "'yesterday' is not a UTC time"),
    (csv_gz([["src", "a%FF", "1", "", ""]]), "does not URL-decode to UTF-8"),
])  # fmt: skip
def test_lists_that_cannot_be_read(data, message):
    with pytest.raises(InventoryError, match=message):
        rows(data, manifest_for(data))


@pytest.mark.parametrize("url", ["bucket/manifest.json", "oss://bucket", "oss:///key"])
def test_addresses(url):
    with pytest.raises(InventoryError):
        split_url(url)
    assert split_url("oss://b/a/manifest.json") == ("b", "a/manifest.json")
