"""A seeded generator of hostile OSS requests: methods, sub-resources, parameters, headers and bodies
drawn from what clients send and what attackers send, signed (V1, V4, presigned), unsigned or
mis-signed. ``Fuzzer(seed).request(world)`` gives the same sequence for the same seed and world."""

from __future__ import annotations

import base64
import datetime
import functools
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from ossimg.img.chain import b64url

from ..conftest import AK, REGION, SK, make_image
from .raw_http import V1_SUBRESOURCES, Raw, presign_v4, sign_v1, sign_v4

BUCKETS = ("fz-private", "fz-public")
KEYS = ("k", "img.png", "dir/a", "\u4e2d\u6587 key", "mp", "big", "dir/", "a+b=c&d")
IMAGE = make_image((16, 12), "PNG")

SUBRESOURCES = sorted(V1_SUBRESOURCES | {
    "list-type", "prefix", "marker", "delimiter", "max-keys", "start-after", "fetch-owner", "encoding-type",
    "key-marker", "upload-id-marker", "max-uploads", "max-parts", "part-number-marker",
})  # fmt: skip
# OSS's calls as clients send them: method, level, sub-resource and parameters, and the body they carry.
CALL_SHAPES = (
    ("GET", "service", (), ""), ("PUT", "bucket", (), ""), ("DELETE", "bucket", (), ""), ("GET", "bucket", (), ""),
    ("GET", "bucket", ("list-type", "continuation-token"), ""), ("GET", "bucket", ("acl",), ""),
    ("PUT", "bucket", ("acl",), ""), ("GET", "bucket", ("bucketInfo",), ""), ("GET", "bucket", ("location",), ""),
    ("POST", "bucket", ("delete",), "delete_doc"), ("GET", "bucket", ("uploads",), ""),
    ("PUT", "bucket", ("style", "styleName"), "style_doc"), ("GET", "bucket", ("style",), ""),
    ("GET", "bucket", ("style", "styleName"), ""), ("DELETE", "bucket", ("style", "styleName"), ""),
    ("PUT", "object", (), "bytes_"), ("PUT", "object", (), "copy"), ("GET", "object", (), ""),
    ("GET", "object", (), ""), ("HEAD", "object", (), ""), ("HEAD", "object", ("objectMeta",), ""),
    ("GET", "object", ("objectMeta",), ""), ("DELETE", "object", (), ""), ("GET", "object", ("acl",), ""),
    ("PUT", "object", ("acl",), ""), ("POST", "object", ("uploads",), ""),
    ("PUT", "object", ("partNumber", "uploadId"), "bytes_"), ("POST", "object", ("uploadId",), "parts_doc"),
    ("DELETE", "object", ("uploadId",), ""), ("GET", "object", ("uploadId",), ""),
    ("GET", "object", ("x-oss-process",), ""), ("GET", "object", ("x-oss-process",), ""),
    ("POST", "object", ("x-oss-process",), "saveas_body"),
)  # fmt: skip
BODIES = ("bytes_", "delete_doc", "parts_doc", "style_doc", "saveas_body")
# Sub-resources of the calls the emulator serves, with the parameters each needs.
CALLS = (("uploads",), ("uploadId",), ("uploadId", "partNumber"), ("acl",), ("delete",), ("x-oss-process",),
         ("objectMeta",), ("bucketInfo",), ("location",), ("style",), ("style", "styleName"), ("list-type",),
         ("continuation-token", "list-type"), ("versionId",), ("partNumber",))  # fmt: skip
PARAMETERS = ("prefix", "marker", "delimiter", "max-keys", "start-after", "fetch-owner", "encoding-type",
              "key-marker", "upload-id-marker", "max-uploads", "max-parts", "part-number-marker",
              "response-content-type", "response-content-disposition", "response-expires", "response-cache-control",
              "x-oss-traffic-limit", "security-token", "styleName", "uploadId", "partNumber")  # fmt: skip
NUMBERS = ("0", "1", "2", "100", "1000", "1001", "10000", "10001", "-1", "1e3", "0x10", " 1", "\u00b2", "\u0663",
           "\uff11", "9" * 25, "9" * 5000, "0" * 5000 + "1", "")  # fmt: skip
TEXT = ("", "a", "null", "\u4e2d\u6587", "A" * 5000, "%00", "\r\n", "\x00", "..", "/", "'\"<>&", "\udcff",
        "\U0001f431", "x" * 300, "true", "url", "2", "http://evil/", "style/s", "image/info")  # fmt: skip
PROCESSES = ("image/info", "image/resize,w_8", "image/resize,w_99999", "image/average-hue", "image/format,webp",
             "image/crop,x_1,y_1,w_4,h_4", "image/rotate,90", "image/blur,r_3,s_2", "image/circle,r_4",
             "image/watermark,text_" + b64url("hi") + ",size_8", "image/watermark,image_" + b64url("img.png"),
             "image/watermark,image_" + b64url("nope.png"), "image/resize,w_", "image/resize,w_\u00b2",
             "image/resize,w_" + "9" * 5000, "image/", "image/nothing", "style/s", "style/", "style/" + "s" * 300,
             "image/quality,q_101", "image/info/info/info", "video/snapshot,t_0", "image/" + "info/" * 2000,
             "image/watermark,text_!!!", "image/format,heic")  # fmt: skip
DATES = ("Tue, 20 Dec 2022 08:48:18 GMT", "Tue, 20 Dec 2022 08:48:18", "yesterday", "",
         "Mon, 99 Foo 99999 99:99:99 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT",
         "0, 0 Jan 0 0:0:0 +9999")  # fmt: skip
HEADER_VALUES = ("", "a", "0", "-1", "*", '"etag"', "text/plain", "\xe9t\xe9", "A" * 3000, "true", "false",
                 "private", "public-read", "public-read-write", "default", "bogus", "COPY", "REPLACE", "Archive",
                 "Standard", "yes", "standard", "AES256")  # fmt: skip


@functools.lru_cache(maxsize=512)
def as_delivered(value: str) -> str:
    """What waitress hands an app for a header value: latin-1 text without CR, LF or other controls,
    and without the white space around it, which HTTP does not count as part of the value."""
    return "".join(c for c in value if c == "\t" or 0x20 <= ord(c) <= 0x7E or 0x80 <= ord(c) <= 0xFF).strip(" \t")


@dataclass
class World:
    """What the requests aim at: the buckets, their keys, and the upload in progress on ``mp``."""

    upload_id: Callable[[], str]


class Fuzzer:
    """Hostile requests from a seeded stream."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, *options):  # type: ignore[no-untyped-def]
        return self.rng.choice(options)

    def request(self, world: World) -> Raw:
        """Mostly the shape of a real call, mutated; otherwise anything at all."""
        raw = self.shaped(world) if self.rng.random() < 0.7 else self.free(world)
        if self.rng.random() < 0.03:  # a path that is not UTF-8
            raw.raw_path = self.pick(b"/fz-private/\xff\xfe", b"/\xc3(/k", b"/fz-public/a\xed\xa0\x80b")
        return self.sign(raw)

    def shaped(self, world: World) -> Raw:
        r = self.rng
        method, level, names, body = r.choice(CALL_SHAPES)
        bucket, key = self.target()
        if level != "service" and not bucket:
            bucket = r.choice(BUCKETS)
        if level == "object" and not key:
            key = r.choice(KEYS)
        if "uploadId" in names and r.random() < 0.7:
            key = "mp"
        query = [(name, self.value(name, world)) for name in names]
        query += [(name, self.value(name, world)) for name in r.sample(PARAMETERS, r.choice([0, 0, 0, 1, 2]))]
        headers = self.headers()
        if body == "copy" or (method == "PUT" and level == "object" and r.random() < 0.15):
            headers["x-oss-copy-source"] = self.header_value("x-oss-copy-source")
        data = getattr(self, body)(world) if body in BODIES and r.random() < 0.85 else self.body(world)
        return Raw(method, bucket if level != "service" else "", key if level == "object" else "", query, headers, data)

    def free(self, world: World) -> Raw:
        r = self.rng
        method = r.choices(["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "get", "PROPFIND"],
                           [30, 25, 15, 10, 10, 3, 2, 1, 1])[0]  # fmt: skip
        return Raw(method, *self.target(), query=self.query(world), headers=self.headers(), body=self.body(world))

    def target(self) -> tuple[str, str]:
        r = self.rng
        level = r.random()
        if level < 0.05:
            return "", ""
        bucket = r.choice([*BUCKETS] * 8 + ["fz-nowhere", "A", "a" * 70, "bad_name", "-x-", ".."])
        if level < 0.35:
            return bucket, ""
        key = r.choice([*KEYS] * 4 + ["new-" + uuid.UUID(int=r.getrandbits(128)).hex[:6], "x" * 1100, "\x01ctl\x0c",
                                      "../../etc", "a/./b//c", "\\back", "%2F%2e%2e", "\u4e2d" * 400, " "])  # fmt: skip
        return bucket, key

    def bytes_(self, _: World) -> bytes:
        return self.rng.choice([b"", b"hello", IMAGE, self.rng.randbytes(self.rng.choice([1, 999, 120_000]))])

    def query(self, world: World) -> list[tuple[str, str]]:
        """Mostly the shape of a real call (one served sub-resource and its parameters), then extra
        parameters, and now and then a sub-resource the emulator does not serve."""
        r = self.rng
        if r.random() < 0.35:
            names: list[str] = []
        else:
            names = list(r.choice(CALLS))
        names += [r.choice(PARAMETERS) for _ in range(r.choice([0, 0, 1, 1, 2, 3]))]
        if r.random() < 0.07:
            names.append(r.choice(SUBRESOURCES))
        return [(name, self.value(name, world)) for name in names]

    def value(self, name: str, world: World) -> str:
        r = self.rng
        if name == "uploadId" and r.random() < 0.6:
            return world.upload_id()
        if name in ("partNumber", "max-keys", "max-uploads", "max-parts", "part-number-marker", "list-type") or (
            name.startswith("max") and r.random() < 0.8
        ):
            return r.choice(NUMBERS)
        if name == "x-oss-process":
            return r.choice(PROCESSES) if r.random() < 0.8 else ""
        if name == "continuation-token" and r.random() < 0.5:
            return base64.urlsafe_b64encode(r.choice(KEYS).encode()).decode() + r.choice(["", "=", "!!", "\xff"])
        return r.choice(TEXT) if r.random() < 0.8 else r.choice(NUMBERS)

    def headers(self) -> dict[str, str]:
        r = self.rng
        headers: dict[str, str] = {}
        for _ in range(r.choice([0, 0, 1, 1, 2, 3, 4])):
            name = r.choice([
                "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "content-md5",
                "content-type", "x-oss-meta-color", "x-oss-meta-" + "m" * 50, "x-oss-acl", "x-oss-object-acl",
                "x-oss-forbid-overwrite", "x-oss-storage-class", "x-oss-copy-source", "x-oss-copy-source",
                "x-oss-metadata-directive", "x-oss-copy-source-range", "x-oss-copy-source-if-match",
                "x-oss-copy-source-if-modified-since", "x-oss-range-behavior", "x-oss-complete-all", "x-oss-tagging",
                "cache-control", "expires", "content-disposition", "content-encoding", "x-oss-server-side-encryption",
            ])  # fmt: skip
            headers[name] = self.header_value(name)
        return headers

    def header_value(self, name: str) -> str:
        r = self.rng
        if name == "range" or name == "x-oss-copy-source-range":
            a, b = r.choice(NUMBERS[:-1]), r.choice(NUMBERS)
            value = r.choice([f"bytes={a}-{b}", f"bytes=-{b}", f"bytes={a}-", "bytes=0-1,3-4", "items=0-1", a])
        elif "since" in name or name == "expires":
            value = r.choice(DATES)
        elif name == "x-oss-copy-source":
            value = r.choice([f"/{r.choice(BUCKETS)}/{r.choice(KEYS)}", "/fz-private/k?versionId=v1", "/", "//k",
                              "/fz-private/", "/fz-private/%E4%B8%AD%E6%96%87%20key", "fz-public/img.png",
                              "/fz-private/k?versionId=null", "/fz-nowhere/k", "/%ff%fe/k"])  # fmt: skip
        elif name == "content-md5":
            value = r.choice(
                ["", "XUFAKrxLKna5cZ2REBfFkg==", "not base64", "AAAA", base64.b64encode(b"x" * 16).decode()]
            )
        else:
            value = r.choice(HEADER_VALUES)
        return as_delivered(value)

    def body(self, world: World) -> bytes:
        r = self.rng
        kind = r.random()
        if kind < 0.45:
            return b""
        if kind < 0.6:
            return r.randbytes(r.choice([1, 10, 1000, 120_000]))
        if kind < 0.65:
            return IMAGE
        return r.choice([self.delete_doc, self.parts_doc, self.style_doc, self.saveas_body, self.bomb])(world)

    def delete_doc(self, _: World) -> bytes:
        r = self.rng
        keys = [r.choice([*KEYS, "\x0c", "&amp;", "<", ""]) for _ in range(r.choice([0, 1, 3, 1001]))]
        items = "".join(f"<Object><Key>{k}</Key></Object>" for k in keys)
        doc = f"<Delete><Quiet>{r.choice(['true', 'false', 'x'])}</Quiet>{items}</Delete>"
        return doc.encode()[: r.choice([None, None, len(doc) // 2])]

    def parts_doc(self, _: World) -> bytes:
        r = self.rng
        parts = "".join(f"<Part><PartNumber>{r.choice(NUMBERS)}</PartNumber><ETag>{r.choice(TEXT[:6])}</ETag></Part>"
                        for _ in range(r.choice([0, 1, 2, 50])))  # fmt: skip
        return f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode()

    def style_doc(self, _: World) -> bytes:
        return f"<Style><Content>{self.rng.choice(PROCESSES)}</Content></Style>".encode()

    def saveas_body(self, _: World) -> bytes:
        r = self.rng
        target = r.choice([b64url("out.png"), b64url("x" * 2000), "!!", "", b64url("../a")])
        bucket = r.choice(["", ",b_" + b64url(r.choice(BUCKETS)), ",b_" + b64url("fz-nowhere"), ",b_@@"])
        return f"x-oss-process={r.choice(PROCESSES)}|sys/saveas,o_{target}{bucket}".encode()

    def bomb(self, _: World) -> bytes:
        return self.rng.choice([
            b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>"
            b"<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'><!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;'>]>"
            b"<Delete><Key>&d;</Key></Delete>",
            b"<a>" * 20_000 + b"</a>" * 20_000,
            b"<Delete>" + b"<Key>" * 5_000,
            b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><Delete><Key>&x;</Key></Delete>',
            b"\xff\xfe<\x00D\x00",
        ])  # fmt: skip

    def sign(self, raw: Raw) -> Raw:
        r = self.rng
        how = r.random()
        if how < 0.7:
            return sign_v1(raw, AK, SK)
        if how < 0.8:
            return sign_v4(raw, AK, SK, r.choice([REGION] * 5 + ["cn-beijing", ""]),
                           product=r.choice(["oss"] * 5 + ["s3"]))  # fmt: skip
        if how < 0.85:
            when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
                seconds=r.choice([0, -99999, 99999])
            )
            return presign_v4(raw, AK, SK, REGION, expires=r.choice(["60", "0", "604801", "\u00b2", "9" * 30]),
                              when=when)  # fmt: skip
        if how < 0.9:
            return raw  # anonymous
        raw = sign_v1(raw, AK, SK)
        raw.headers["authorization"] = r.choice([
            "OSS ", "OSS nobody:abc", f"OSS {AK}", f"OSS {AK}:\xe9\xe9", "OSS4-HMAC-SHA256", "Bearer x",
            "OSS4-HMAC-SHA256 Credential=,Signature=", f"OSS4-HMAC-SHA256 Credential={AK}/2024/{REGION}",
            f"OSS4-HMAC-SHA256 Credential={AK}/20240101/{REGION}/oss/aliyun_v4_request,Signature=00",
            "OSS " + "A" * 3000 + ":x",
        ])  # fmt: skip
        return raw
