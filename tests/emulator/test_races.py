"""Races on one key and one upload, with threads against the real server. Every answer is one OSS
could give (the old object, the new one, or NoSuchKey; an upload completes once), nothing is a 500,
the server logs no internal error, and nothing is left behind on disk."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from ossimg_local.emulator import errors
from ossimg_local.emulator.backend import Backend
from ossimg_local.emulator.checksums import crc64
from ossimg_local.emulator.model import NewObject
from ossimg_local.emulator.server import EmulatorApp, EmulatorServer

from ..conftest import AK, REGION, SK, make_image
from .disk_audit import CLEAN, leftovers
from .raw_http import Raw, send, sign_v1, start_app

pytestmark = pytest.mark.emulator_only("races against the emulator's own store, and a look at its data directory")

PART = 100 * 1024


@dataclass
class Rig:
    """A server of its own, the events its store emitted, and its data directory."""

    backend: Backend
    endpoint: str
    root: Path
    events: list[tuple[str, str, str]] = field(default_factory=list)

    def bucket(self) -> str:
        name = f"race-{uuid.uuid4().hex[:12]}"
        self.backend.store.create_bucket(name)
        return name

    def call(self, raw: Raw, session: requests.Session | None = None) -> requests.Response:
        return send(self.endpoint, sign_v1(raw, AK, SK), session=session)


@pytest.fixture(scope="module", name="rig")
def _rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    root = tmp_path_factory.mktemp("races")
    backend = Backend.open(root, AK, SK, region=REGION)
    rig = Rig(backend, "", root)
    backend.store.subscribe(lambda name, bucket, info: rig.events.append((name, bucket.name, info.key)))
    with EmulatorServer(backend) as server:
        rig.endpoint = server.endpoint
        yield rig


@pytest.fixture(autouse=True)
def _no_internal_errors(caplog: pytest.LogCaptureFixture, rig: Rig) -> Iterator[None]:
    """Whatever a test does, the server logs no internal error, and leaves nothing on disk."""
    with caplog.at_level(logging.ERROR):
        yield
    failures = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert failures == []
    assert leftovers(rig.root) == CLEAN


def run_all(tasks: list[Callable[[], None]]) -> None:
    """Start every task together and re-raise the first failure."""
    start = threading.Barrier(len(tasks))

    def run(task: Callable[[], None]) -> None:
        start.wait()
        task()

    with ThreadPoolExecutor(len(tasks)) as pool:
        for future in [pool.submit(run, task) for task in tasks]:
            future.result()


def code(answer: requests.Response) -> str | None:
    """The OSS error code of an answer: from its body, or for HEAD from ``x-oss-err``."""
    document = answer.content or base64.b64decode(answer.headers.get("x-oss-err", ""))
    return ET.fromstring(document).findtext("Code") if document.startswith(b"<?xml") else None


class TestOneKey:
    """Overwrites and deletes of one key while it is read, copied, ranged and processed."""

    VERSIONS = (make_image((100, 50), "PNG"), make_image((60, 40), "JPEG"))
    WIDTHS = frozenset({100, 60})
    ROUNDS = 40

    def test_readers_see_the_old_object_the_new_one_or_no_such_key(self, rig):
        bucket = rig.bucket()
        rig.call(Raw("PUT", bucket, "k", body=self.VERSIONS[0]))
        seen: list[str] = []

        def writer(version: bytes) -> Callable[[], None]:
            def write() -> None:
                with requests.Session() as session:
                    for _ in range(self.ROUNDS):
                        assert rig.call(Raw("PUT", bucket, "k", body=version), session).status_code == 200

            return write  # fmt: skip

        def deleter() -> None:
            with requests.Session() as session:
                for _ in range(self.ROUNDS):
                    assert rig.call(Raw("DELETE", bucket, "k"), session).status_code == 204

        def reader(raw: Callable[[int], Raw], check: Callable[[requests.Response], str]) -> Callable[[], None]:
            def read() -> None:
                with requests.Session() as session:
                    for i in range(self.ROUNDS):
                        answer = rig.call(raw(i), session)
                        if answer.status_code == 404:
                            assert code(answer) == "NoSuchKey", answer.content
                            seen.append("NoSuchKey")
                        else:
                            seen.append(check(answer))

            return read  # fmt: skip

        run_all([
            writer(self.VERSIONS[0]), writer(self.VERSIONS[1]), deleter,
            reader(lambda _: Raw("GET", bucket, "k"), self.whole),
            reader(lambda _: Raw("GET", bucket, "k", headers={"Range": "bytes=0-9"}), self.first_ten),
            reader(lambda _: Raw("HEAD", bucket, "k"), self.head),
            reader(lambda _: Raw("GET", bucket, "k", [("x-oss-process", "image/info")]), self.info),
            reader(lambda i: Raw("PUT", bucket, f"copy-{i}", headers={"x-oss-copy-source": f"/{bucket}/k"}),
                   self.copied),
        ])  # fmt: skip
        assert set(seen) <= {"version", "NoSuchKey"}
        assert len(seen) == 5 * self.ROUNDS

    def test_of_eight_writes_that_forbid_overwriting_one_succeeds(self, rig):
        # What the function's claims rely on; the seven others' bytes, already written, are deleted.
        bucket = rig.bucket()
        answers: list[requests.Response] = []
        headers = {"x-oss-forbid-overwrite": "true"}

        def put(i: int) -> Callable[[], None]:
            return lambda: answers.append(rig.call(Raw("PUT", bucket, "claim", headers=dict(headers), body=b"%d" % i)))

        run_all([put(i) for i in range(8)])
        assert sorted((a.status_code, code(a)) for a in answers) == [(200, None)] + [(409, "FileAlreadyExists")] * 7

    def whole(self, answer: requests.Response) -> str:
        assert answer.status_code == 200, answer.content
        assert answer.content in self.VERSIONS
        assert answer.headers["etag"].strip('"') == hashlib.md5(answer.content).hexdigest().upper()
        assert answer.headers["x-oss-hash-crc64ecma"] == str(crc64(answer.content))
        return "version"

    def first_ten(self, answer: requests.Response) -> str:
        assert (answer.status_code, answer.content) in {(206, v[:10]) for v in self.VERSIONS}
        return "version"

    def head(self, answer: requests.Response) -> str:
        assert answer.status_code == 200
        assert int(answer.headers["content-length"]) in {len(v) for v in self.VERSIONS}
        return "version"

    def info(self, answer: requests.Response) -> str:
        assert answer.status_code == 200, answer.content
        assert int(json.loads(answer.content)["ImageWidth"]["value"]) in self.WIDTHS
        return "version"

    def copied(self, answer: requests.Response) -> str:
        assert answer.status_code == 200, answer.content
        etag = ET.fromstring(answer.content).findtext("ETag").strip('"')
        assert etag in {hashlib.md5(v).hexdigest().upper() for v in self.VERSIONS}
        return "version"


class TestReadsHoldTheirVersion:
    """The interleavings a storm of requests hits only now and then, forced: whatever happens to the key
    after a read found it, the read delivers what it found."""

    BIG = bytes(range(256)) * 12_000  # 3 MB: several chunks of response body

    def test_a_get_sends_the_version_it_found_whole(self, rig):
        bucket = rig.bucket()
        store = rig.backend.store
        store.put_object(bucket, "k", [self.BIG], NewObject())
        status, _, body = start_app(EmulatorApp(rig.backend), sign_v1(Raw("GET", bucket, "k"), AK, SK))
        store.put_object(bucket, "k", [b"new"], NewObject())  # before a byte of the body was sent
        store.delete_object(bucket, "k")
        try:
            assert (status, b"".join(body)) == (200, self.BIG)
        finally:
            body.close()

    def test_a_copy_reads_the_version_it_found(self, rig, monkeypatch):
        # Between finding the source and opening its bytes, another request deletes it. It has to wait:
        # the lookup and the open are one step.
        bucket = rig.bucket()
        store = rig.backend.store
        store.put_object(bucket, "src", [b"old"], NewObject())
        open_blob = store.disk.open_blob

        def open_while_deleting(blob_id: str):
            deleter = threading.Thread(target=store.delete_object, args=(bucket, "src"))
            deleter.start()
            deleter.join(timeout=1)  # it cannot finish while the read holds the store
            return open_blob(blob_id)

        monkeypatch.setattr(store.disk, "open_blob", open_while_deleting)
        copied = store.copy_object(bucket, "src", bucket, "dst", None)
        monkeypatch.undo()
        assert store.read_bytes(bucket, copied) == b"old"

    def test_a_copy_whose_source_is_deleted_before_its_link_copies_the_bytes_it_holds(self, rig):
        # The copy's conditions run on the version it opened, before the new blob is made: a delete
        # there leaves nothing to hard-link, and the bytes come from the open handle instead.
        bucket = rig.bucket()
        store = rig.backend.store
        store.put_object(bucket, "src", [b"old"], NewObject())
        copied = store.copy_object(bucket, "src", bucket, "dst", None, lambda _: store.delete_object(bucket, "src"))
        assert store.read_bytes(bucket, copied) == b"old"
        assert not store.list_objects(bucket, prefix="src").objects

    def test_an_earlier_lookup_reads_the_current_version(self, rig):
        # IMG looks an object up, checks its size, then reads it: if the version it found is gone by then,
        # it reads the one that replaced it, as if it had looked later (or NoSuchKey when there is none).
        bucket = rig.bucket()
        store = rig.backend.store
        found = store.put_object(bucket, "k", [b"old"], NewObject())
        store.put_object(bucket, "k", [b"new"], NewObject())
        assert store.read_bytes(bucket, found) == b"new"
        store.delete_object(bucket, "k")
        with pytest.raises(errors.NoSuchKey):
            store.read_bytes(bucket, found)


class TestOneUpload:
    """CompleteMultipartUpload completes an upload once; a part arriving after that is refused."""

    def start(self, rig: Rig, bucket: str, key: str) -> tuple[str, list[tuple[int, str]]]:
        upload = ET.fromstring(rig.call(Raw("POST", bucket, key, [("uploads", "")])).content).findtext("UploadId")
        parts = []
        for number, data in ((1, b"a" * PART), (2, b"b" * 10)):
            answer = rig.call(Raw("PUT", bucket, key, [("partNumber", str(number)), ("uploadId", upload)], body=data))
            parts.append((number, answer.headers["etag"]))
        return upload, parts

    @staticmethod
    def document(parts: list[tuple[int, str]]) -> bytes:
        items = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>" for n, etag in parts)
        return f"<CompleteMultipartUpload>{items}</CompleteMultipartUpload>".encode()

    def test_eight_completions_at_once_complete_it_once(self, rig):
        bucket = rig.bucket()
        upload, parts = self.start(rig, bucket, "mp")
        answers: list[requests.Response] = []

        def complete() -> None:
            answers.append(rig.call(Raw("POST", bucket, "mp", [("uploadId", upload)], body=self.document(parts))))

        run_all([complete] * 8)
        assert sorted((a.status_code, code(a)) for a in answers) == [(200, None)] + [(404, "NoSuchUpload")] * 7
        assert rig.backend.store.head_object(bucket, "mp").size == PART + 10
        assert [e for e in rig.events if e[1:] == (bucket, "mp")] == [("ObjectCreated:CompleteMultipartUpload",
                                                                        bucket, "mp")]  # fmt: skip

    def test_a_part_after_completion_is_no_such_upload(self, rig):
        bucket = rig.bucket()
        upload, parts = self.start(rig, bucket, "mp")
        assert rig.call(Raw("POST", bucket, "mp", [("uploadId", upload)], body=self.document(parts))).ok
        late = rig.call(Raw("PUT", bucket, "mp", [("partNumber", "3"), ("uploadId", upload)], body=b"late"))
        assert (late.status_code, code(late)) == (404, "NoSuchUpload")

    def test_a_part_whose_bytes_arrive_while_the_upload_completes_is_refused_and_deleted(self, rig):
        # The interleaving is forced: the part's body completes the upload half-way through.
        bucket = rig.bucket()
        multipart = rig.backend.multipart
        upload, parts = self.start(rig, bucket, "mp")
        chosen = [(n, etag.strip('"')) for n, etag in parts]

        def body() -> Iterator[bytes]:
            yield b"first half "
            completion = threading.Thread(target=multipart.complete_multipart_upload,
                                          args=(bucket, "mp", upload, chosen))  # fmt: skip
            completion.start()
            completion.join()
            yield b"second half"

        with pytest.raises(errors.NoSuchUpload):
            multipart.upload_part(bucket, "mp", upload, 3, body())
        assert rig.backend.store.head_object(bucket, "mp").size == PART + 10

    @pytest.mark.parametrize("method", ["POST", "DELETE"], ids=["complete", "abort"])
    def test_parts_racing_the_end_of_the_upload(self, rig, method):
        bucket = rig.bucket()
        outcomes: list[tuple[int, str | None]] = []

        def call(raw: Raw) -> Callable[[], None]:
            return lambda: outcomes.append((lambda a: (a.status_code, code(a)))(rig.call(raw)))

        for round_ in range(3):
            key = f"mp-{round_}"
            upload, parts = self.start(rig, bucket, key)
            body = self.document(parts) if method == "POST" else b""
            late = [Raw("PUT", bucket, key, [("partNumber", str(n)), ("uploadId", upload)], body=b"p" * 999)
                    for n in range(3, 9)]  # fmt: skip
            run_all([*(call(raw) for raw in late), call(Raw(method, bucket, key, [("uploadId", upload)], body=body))])
        assert set(outcomes) <= {(200, None), (204, None), (404, "NoSuchUpload")}


def test_copy_source_is_read_once_and_whole(rig):
    """A copy's bytes and its ETag come from the same version of the source."""
    bucket = rig.bucket()
    versions = [bytes([i]) * (1000 + i) for i in range(2)]
    rig.call(Raw("PUT", bucket, "src", body=versions[0]))

    def overwrite() -> None:
        with requests.Session() as session:
            for i in range(60):
                rig.call(Raw("PUT", bucket, "src", body=versions[i % 2]), session)

    def copy() -> None:
        with requests.Session() as session:
            for i in range(60):
                headers = {"x-oss-copy-source": f"/{bucket}/src"}
                assert rig.call(Raw("PUT", bucket, f"dst-{i}", headers=headers), session).status_code == 200

    run_all([overwrite, copy])
    for i in range(60):
        info = rig.backend.store.head_object(bucket, f"dst-{i}")
        data = rig.backend.store.read_bytes(bucket, info)
        assert data in versions
        assert info.etag == hashlib.md5(data).hexdigest().upper()
        assert info.content_md5 == base64.b64encode(hashlib.md5(data).digest()).decode()
