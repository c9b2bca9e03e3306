"""The test client over alibabacloud-oss-v2 (V4 signatures, its default)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import alibabacloud_oss_v2 as oss

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
    error = exc.unwrap() if isinstance(exc, oss.exceptions.OperationError) else exc
    if not isinstance(error, oss.exceptions.ServiceError):
        return None
    headers = lower(error.headers or {})
    return OssFailure(error.status_code, error.code or "", error.message or "", error.ec or "",
                      error.request_id or "", headers)  # fmt: skip


def _reply(result: Any, body: bytes = b"") -> Reply:
    return Reply(result.status_code, lower(result.headers), body, meta_of(result.headers))


def _quoted(etag: str) -> str:
    return etag if etag.startswith('"') else f'"{etag}"'


class V2Client(Client):
    sdk = "v2"
    default_signing = "v4"

    @property
    def _client(self) -> oss.Client:
        creds = self.target.credentials
        cfg = oss.config.load_default()
        cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(
            creds.access_key_id, creds.access_key_secret, creds.security_token
        )
        cfg.region, cfg.endpoint, cfg.signature_version = self.region, self.target.endpoint, self.signing
        # One attempt: a test asserts what the service answered, not what a retry made of it.
        cfg.retryer = oss.retry.NopRetryer()
        return oss.Client(cfg)

    def _call(self, fn: Callable[[oss.Client], Any]) -> Any:
        with failure_from(_failure):
            return fn(self._client)

    def create(self, acl: str = "private", storage_class: str | None = None) -> None:
        config = oss.CreateBucketConfiguration(storage_class=storage_class) if storage_class else None
        self._call(lambda c: c.put_bucket(oss.PutBucketRequest(self.name, acl=acl, create_bucket_configuration=config)))

    def delete_bucket(self) -> None:
        self._call(lambda c: c.delete_bucket(oss.DeleteBucketRequest(self.name)))

    def acl(self) -> str:
        return str(self._call(lambda c: c.get_bucket_acl(oss.GetBucketAclRequest(self.name))).acl)

    def set_acl(self, acl: str) -> None:
        self._call(lambda c: c.put_bucket_acl(oss.PutBucketAclRequest(self.name, acl=acl)))

    def info(self) -> BucketEntry:
        i = self._call(lambda c: c.get_bucket_info(oss.GetBucketInfoRequest(self.name))).bucket_info
        return BucketEntry(i.name, i.location, i.extranet_endpoint, i.intranet_endpoint, i.storage_class, i.acl)

    def location(self) -> str:
        return str(self._call(lambda c: c.get_bucket_location(oss.GetBucketLocationRequest(self.name))).location)

    def list_buckets(
        self, prefix: str = "", marker: str = "", max_keys: int = 100
    ) -> tuple[list[BucketEntry], bool, str]:
        request = oss.ListBucketsRequest(prefix=prefix or None, marker=marker or None, max_keys=max_keys)
        r = self._call(lambda c: c.list_buckets(request))
        buckets = [BucketEntry(b.name, b.location, b.extranet_endpoint, b.intranet_endpoint, b.storage_class)
                   for b in r.buckets or []]  # fmt: skip
        return buckets, bool(r.is_truncated), r.next_marker or ""

    def put(self, key: str, data: bytes, headers: dict[str, str] | None = None) -> Reply:
        request = oss.PutObjectRequest(self.name, key, body=data, headers=dict(headers or {}))
        return _reply(self._call(lambda c: c.put_object(request)))

    def get(self, key: str, headers: dict[str, str] | None = None, process: str | None = None) -> Reply:
        request = oss.GetObjectRequest(self.name, key, process=process, headers=dict(headers or {}))
        result = self._call(lambda c: c.get_object(request))
        return _reply(result, result.body.content)

    def head(self, key: str, headers: dict[str, str] | None = None) -> Reply:
        request = oss.HeadObjectRequest(self.name, key, headers=dict(headers or {}))
        return _reply(self._call(lambda c: c.head_object(request)))

    def meta(self, key: str) -> Reply:
        return _reply(self._call(lambda c: c.get_object_meta(oss.GetObjectMetaRequest(self.name, key))))

    def exists(self, key: str) -> bool:
        return bool(self._call(lambda c: c.is_object_exist(self.name, key)))

    def delete(self, key: str) -> None:
        self._call(lambda c: c.delete_object(oss.DeleteObjectRequest(self.name, key)))

    def delete_many(self, keys: list[str]) -> list[str]:
        objects = [oss.DeleteObject(key=k) for k in keys]
        r = self._call(
            lambda c: c.delete_multiple_objects(oss.DeleteMultipleObjectsRequest(self.name, objects=objects))
        )
        return [d.key for d in r.deleted_objects or []]

    def copy(self, src_bucket: str, src_key: str, key: str, headers: dict[str, str] | None = None) -> Reply:
        request = oss.CopyObjectRequest(self.name, key, source_bucket=src_bucket, source_key=src_key,
                                        headers=dict(headers or {}))  # fmt: skip
        return _reply(self._call(lambda c: c.copy_object(request)))

    def list_v1(self, prefix: str = "", delimiter: str = "", marker: str = "", max_keys: int = 100) -> Page:
        request = oss.ListObjectsRequest(self.name, prefix=prefix, delimiter=delimiter, marker=marker,
                                         max_keys=max_keys, encoding_type="url")  # fmt: skip
        r = self._call(lambda c: c.list_objects(request))
        return _page(r, r.next_marker)

    def list_v2(
        self, prefix: str = "", delimiter: str = "", token: str = "", start_after: str = "", max_keys: int = 100,
        fetch_owner: bool = False,
    ) -> Page:  # fmt: skip
        request = oss.ListObjectsV2Request(
            self.name, prefix=prefix or None, delimiter=delimiter or None, continuation_token=token or None,
            start_after=start_after or None, max_keys=max_keys, fetch_owner=fetch_owner or None, encoding_type="url",
        )  # fmt: skip
        r = self._call(lambda c: c.list_objects_v2(request))
        return _page(r, r.next_continuation_token)

    def init_upload(self, key: str, headers: dict[str, str] | None = None) -> str:
        request = oss.InitiateMultipartUploadRequest(self.name, key, headers=dict(headers or {}))
        return str(self._call(lambda c: c.initiate_multipart_upload(request)).upload_id)

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> Reply:
        request = oss.UploadPartRequest(self.name, key, part_number=number, upload_id=upload_id, body=data)
        return _reply(self._call(lambda c: c.upload_part(request)))

    def upload_part_copy(
        self, key: str, upload_id: str, number: int, src_bucket: str, src_key: str,
        byte_range: str | None = None, headers: dict[str, str] | None = None,
    ) -> Reply:  # fmt: skip
        request = oss.UploadPartCopyRequest(
            self.name, key, part_number=number, upload_id=upload_id, source_bucket=src_bucket, source_key=src_key,
            source_range=byte_range, headers=dict(headers or {}),
        )  # fmt: skip
        result = self._call(lambda c: c.upload_part_copy(request))
        reply = _reply(result)
        reply.headers.setdefault("etag", result.etag)  # v2 reads the ETag from the CopyPartResult body
        return reply

    def complete(
        self, key: str, upload_id: str, parts: list[tuple[int, str]] | None, headers: dict[str, str] | None = None
    ) -> Reply:
        body = None
        if parts is not None:
            body = oss.CompleteMultipartUpload(parts=[oss.UploadPart(part_number=n, etag=_quoted(e)) for n, e in parts])
        request = oss.CompleteMultipartUploadRequest(
            self.name, key, upload_id=upload_id, complete_multipart_upload=body, headers=dict(headers or {})
        )
        return _reply(self._call(lambda c: c.complete_multipart_upload(request)))

    def abort(self, key: str, upload_id: str) -> None:
        request = oss.AbortMultipartUploadRequest(self.name, key, upload_id=upload_id)
        self._call(lambda c: c.abort_multipart_upload(request))

    def list_parts(self, key: str, upload_id: str) -> list[tuple[int, int, str]]:
        r = self._call(lambda c: c.list_parts(oss.ListPartsRequest(self.name, key, upload_id=upload_id)))
        return [(p.part_number, p.size, p.etag.strip('"')) for p in r.parts or []]

    def list_uploads(self, prefix: str = "") -> list[tuple[str, str]]:
        request = oss.ListMultipartUploadsRequest(self.name, prefix=prefix or None)
        r = self._call(lambda c: c.list_multipart_uploads(request))
        return [(u.key, u.upload_id) for u in r.uploads or []]

    def object_acl(self, key: str) -> str:
        return str(self._call(lambda c: c.get_object_acl(oss.GetObjectAclRequest(self.name, key))).acl)

    def set_object_acl(self, key: str, acl: str) -> None:
        self._call(lambda c: c.put_object_acl(oss.PutObjectAclRequest(self.name, key, acl=acl)))

    def process(self, key: str, process: str) -> Processed:
        r = self._call(lambda c: c.process_object(oss.ProcessObjectRequest(self.name, key, process=process)))
        return Processed(r.bucket or "", r.key, r.file_size, r.process_status)

    def put_style(self, name: str, content: str) -> None:
        request = oss.PutStyleRequest(self.name, style_name=name, style=oss.StyleContent(content=content))
        self._call(lambda c: c.put_style(request))

    def style(self, name: str) -> Style:
        s = self._call(lambda c: c.get_style(oss.GetStyleRequest(self.name, style_name=name))).style
        return Style(s.name, s.content, s.create_time)

    def styles(self) -> list[Style]:
        r = self._call(lambda c: c.list_style(oss.ListStyleRequest(self.name)))
        return [Style(s.name, s.content, s.create_time) for s in (r.style_list.styles if r.style_list else None) or []]

    def delete_style(self, name: str) -> None:
        self._call(lambda c: c.delete_style(oss.DeleteStyleRequest(self.name, style_name=name)))

    def sign_url(self, method: str, key: str, expires: int) -> str:
        request: Any = {"GET": oss.GetObjectRequest, "PUT": oss.PutObjectRequest}[method](self.name, key)
        return str(self._client.presign(request, expires=datetime.timedelta(seconds=expires)).url)

    def raw(self, method: str, key: str, params: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        op = oss.OperationInput(op_name="Raw", method=method, bucket=self.name, key=key or None,
                                parameters=params, headers=dict(headers or {}))  # fmt: skip
        result = self._call(lambda c: c.invoke_operation(op))
        return Reply(result.status_code, lower(result.headers), result.http_response.content, meta_of(result.headers))

    def unimplemented(self, call: str) -> Callable[[], object]:
        b = self.name
        requests: dict[str, Callable[[oss.Client], object]] = {
            "AppendObject": lambda c: c.append_object(oss.AppendObjectRequest(b, "appended", position=0, body=b"x")),
            "AsyncProcessObject": lambda c: c.async_process_object(
                oss.AsyncProcessObjectRequest(b, "src", process="video/convert,f_mp4|sys/saveas,o_b3V0")),
            "PutObjectTagging": lambda c: c.put_object_tagging(
                oss.PutObjectTaggingRequest(b, "src", tagging=oss.Tagging(tag_set=oss.TagSet(tags=[])))),
            "PutSymlink": lambda c: c.put_symlink(oss.PutSymlinkRequest(b, "link", target="src")),
            "RestoreObject": lambda c: c.restore_object(oss.RestoreObjectRequest(b, "src")),
            "GetBucketLifecycle": lambda c: c.get_bucket_lifecycle(oss.GetBucketLifecycleRequest(b)),
            "ListObjectVersions": lambda c: c.list_object_versions(oss.ListObjectVersionsRequest(b)),
            "GetBucketStat": lambda c: c.get_bucket_stat(oss.GetBucketStatRequest(b)),
        }  # fmt: skip
        return lambda: self._call(requests[call])


def _page(result: Any, next_value: str | None) -> Page:
    entries = [
        Entry(o.key, (o.etag or "").strip('"'), o.size, o.object_type, o.storage_class, o.owner.id if o.owner else None)
        for o in result.contents or []
    ]
    prefixes = [p.prefix for p in result.common_prefixes or []]
    return Page(entries, prefixes, bool(result.is_truncated), next_value or "")
