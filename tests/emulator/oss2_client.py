"""The test client over oss2 (V1 signatures, oss2's default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import oss2
from oss2.models import PartInfo

from .clients import (
    BucketEntry,
    Client,
    Entry,
    OssFailure,
    Page,
    Processed,
    Reply,
    Style,
    failure_from,
    lower,
    meta_of,
)


def _failure(exc: Exception) -> OssFailure | None:
    if not isinstance(exc, oss2.exceptions.ServerError):
        return None
    return OssFailure(exc.status, exc.code, exc.message, exc.ec or "", exc.request_id, lower(exc.headers))


def _reply(result: Any, body: bytes = b"") -> Reply:
    return Reply(result.status, lower(result.headers), body, meta_of(result.headers))


class Oss2Client(Client):
    sdk = "oss2"
    default_signing = "v1"

    def _auth(self) -> Any:
        creds = self.target.credentials
        if creds.security_token:
            return oss2.StsAuth(
                creds.access_key_id, creds.access_key_secret, creds.security_token, auth_version=self.signing
            )
        if self.signing == "v4":
            return oss2.AuthV4(creds.access_key_id, creds.access_key_secret)
        return oss2.Auth(creds.access_key_id, creds.access_key_secret)

    @property
    def _bucket(self) -> oss2.Bucket:
        return oss2.Bucket(self._auth(), self.target.endpoint, self.name, region=self.region)

    @property
    def oss2(self) -> oss2.Bucket:
        """The oss2 bucket itself, for tests of oss2's own wire habits."""
        return self._bucket

    def _call(self, fn: Callable[[], Any]) -> Any:
        with failure_from(_failure):
            return fn()

    def create(self, acl: str = "private", storage_class: str | None = None) -> None:
        config = oss2.models.BucketCreateConfig(storage_class) if storage_class else None
        self._call(lambda: self._bucket.create_bucket(acl, config))

    def delete_bucket(self) -> None:
        self._call(self._bucket.delete_bucket)

    def acl(self) -> str:
        return str(self._call(self._bucket.get_bucket_acl).acl)

    def set_acl(self, acl: str) -> None:
        self._call(lambda: self._bucket.put_bucket_acl(acl))

    def info(self) -> BucketEntry:
        i = self._call(self._bucket.get_bucket_info)
        return BucketEntry(i.name, i.location, i.extranet_endpoint, i.intranet_endpoint, i.storage_class, i.acl.grant)

    def location(self) -> str:
        return str(self._call(self._bucket.get_bucket_location).location)

    def list_buckets(
        self, prefix: str = "", marker: str = "", max_keys: int = 100
    ) -> tuple[list[BucketEntry], bool, str]:
        service = oss2.Service(self._auth(), self.target.endpoint)
        r = self._call(lambda: service.list_buckets(prefix=prefix, marker=marker, max_keys=max_keys))
        buckets = [BucketEntry(b.name, b.location, b.extranet_endpoint, b.intranet_endpoint, b.storage_class)
                   for b in r.buckets]  # fmt: skip
        return buckets, r.is_truncated, r.next_marker

    def put(self, key: str, data: bytes, headers: dict[str, str] | None = None) -> Reply:
        return _reply(self._call(lambda: self._bucket.put_object(key, data, headers=headers)))

    def get(self, key: str, headers: dict[str, str] | None = None, process: str | None = None) -> Reply:
        result = self._call(lambda: self._bucket.get_object(key, headers=headers, process=process))
        return _reply(result, self._call(result.read))

    def head(self, key: str, headers: dict[str, str] | None = None) -> Reply:
        return _reply(self._call(lambda: self._bucket.head_object(key, headers=headers)))

    def meta(self, key: str) -> Reply:
        return _reply(self._call(lambda: self._bucket.get_object_meta(key)))

    def exists(self, key: str) -> bool:
        return bool(self._call(lambda: self._bucket.object_exists(key)))

    def delete(self, key: str) -> None:
        self._call(lambda: self._bucket.delete_object(key))

    def delete_many(self, keys: list[str]) -> list[str]:
        return list(self._call(lambda: self._bucket.batch_delete_objects(keys)).deleted_keys)

    def copy(self, src_bucket: str, src_key: str, key: str, headers: dict[str, str] | None = None) -> Reply:
        return _reply(self._call(lambda: self._bucket.copy_object(src_bucket, src_key, key, headers=headers)))

    def list_v1(self, prefix: str = "", delimiter: str = "", marker: str = "", max_keys: int = 100) -> Page:
        r = self._call(lambda: self._bucket.list_objects(prefix, delimiter, marker, max_keys))
        return _page(r, r.next_marker)

    def list_v2(
        self, prefix: str = "", delimiter: str = "", token: str = "", start_after: str = "", max_keys: int = 100,
        fetch_owner: bool = False,
    ) -> Page:  # fmt: skip
        r = self._call(lambda: self._bucket.list_objects_v2(
            prefix, delimiter, token, start_after, fetch_owner=fetch_owner, max_keys=max_keys))  # fmt: skip
        return _page(r, r.next_continuation_token)

    def init_upload(self, key: str, headers: dict[str, str] | None = None) -> str:
        return str(self._call(lambda: self._bucket.init_multipart_upload(key, headers=headers)).upload_id)

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> Reply:
        return _reply(self._call(lambda: self._bucket.upload_part(key, upload_id, number, data)))

    def upload_part_copy(
        self, key: str, upload_id: str, number: int, src_bucket: str, src_key: str,
        byte_range: str | None = None, headers: dict[str, str] | None = None,
    ) -> Reply:  # fmt: skip
        headers = dict(headers or {})
        if byte_range is not None:  # oss2 takes a (first, last) pair; the raw header says the same
            headers["x-oss-copy-source-range"] = byte_range
        return _reply(self._call(lambda: self._bucket.upload_part_copy(
            src_bucket, src_key, None, key, upload_id, number, headers=headers)))  # fmt: skip

    def complete(
        self, key: str, upload_id: str, parts: list[tuple[int, str]] | None, headers: dict[str, str] | None = None
    ) -> Reply:
        infos = None if parts is None else [PartInfo(n, etag) for n, etag in parts]
        return _reply(self._call(lambda: self._bucket.complete_multipart_upload(key, upload_id, infos, headers)))

    def abort(self, key: str, upload_id: str) -> None:
        self._call(lambda: self._bucket.abort_multipart_upload(key, upload_id))

    def list_parts(self, key: str, upload_id: str) -> list[tuple[int, int, str]]:
        return [
            (p.part_number, p.size, p.etag) for p in self._call(lambda: self._bucket.list_parts(key, upload_id)).parts
        ]

    def list_uploads(self, prefix: str = "") -> list[tuple[str, str]]:
        r = self._call(lambda: self._bucket.list_multipart_uploads(prefix=prefix))
        return [(u.key, u.upload_id) for u in r.upload_list]

    def object_acl(self, key: str) -> str:
        return str(self._call(lambda: self._bucket.get_object_acl(key)).acl)

    def set_object_acl(self, key: str, acl: str) -> None:
        self._call(lambda: self._bucket.put_object_acl(key, acl))

    def process(self, key: str, process: str) -> Processed:
        r = self._call(lambda: self._bucket.process_object(key, process))
        return Processed(r.bucket, r.object, r.fileSize, r.process_status)

    def put_style(self, name: str, content: str) -> None:
        self._call(lambda: self._bucket.put_bucket_style(name, content))

    def style(self, name: str) -> Style:
        s = self._call(lambda: self._bucket.get_bucket_style(name))
        return Style(s.name, s.content, s.create_time)

    def styles(self) -> list[Style]:
        return [Style(s.name, s.content, s.create_time) for s in self._call(self._bucket.list_bucket_style).styles]

    def delete_style(self, name: str) -> None:
        self._call(lambda: self._bucket.delete_bucket_style(name))

    def sign_url(self, method: str, key: str, expires: int) -> str:
        return str(self._bucket.sign_url(method, key, expires))

    def raw(self, method: str, key: str, params: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        b = self._bucket
        send = b._Bucket__do_object if key else b._Bucket__do_bucket  # oss2's signed request, any query
        args = (method, key) if key else (method,)
        resp = self._call(lambda: send(*args, params=params, headers=headers))
        return Reply(resp.status, lower(resp.headers), resp.read(), meta_of(resp.headers))

    def unimplemented(self, call: str) -> Callable[[], object]:
        b = self._bucket
        calls: dict[str, Callable[[], object]] = {
            "AppendObject": lambda: b.append_object("appended", 0, b"x"),
            "AsyncProcessObject": lambda: b.async_process_object("src", "video/convert,f_mp4|sys/saveas,o_b3V0"),
            "PutObjectTagging": lambda: b.put_object_tagging("src", oss2.models.Tagging()),
            "PutSymlink": lambda: b.put_symlink("src", "link"),
            "RestoreObject": lambda: b.restore_object("src"),
            "GetBucketLifecycle": b.get_bucket_lifecycle,
            "ListObjectVersions": b.list_object_versions,
            "GetBucketStat": b.get_bucket_stat,
        }
        return lambda: self._call(calls[call])


def _page(result: Any, next_value: str) -> Page:
    entries = [
        Entry(o.key, o.etag, o.size, o.type, o.storage_class, o.owner.id if o.owner else None)
        for o in result.object_list
    ]
    return Page(entries, list(result.prefix_list), result.is_truncated, next_value or "")
