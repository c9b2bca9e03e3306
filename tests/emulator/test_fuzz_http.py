"""A standing, seeded fuzz of the emulator's HTTP surface: methods, sub-resources, parameters,
headers, bodies and signatures (see fuzzing.py). Most requests go straight into the WSGI app, which is
fast; a slice travels over real HTTP, with some that are not even HTTP. Whatever comes in, the answer
is one OSS could give (never a 500), every header can be sent, every error is OSS's error document,
the server logs no internal error, and no refused write leaves a file behind. ``OSSIMG_FUZZ_SEED``
and ``OSSIMG_FUZZ_REQUESTS`` replay or extend a run; a failure names the seed and the request's index."""

from __future__ import annotations

import base64
import logging
import os
import re
import socket
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing

import pytest
import requests

from ossimg_local.emulator.backend import Backend
from ossimg_local.emulator.model import NewObject
from ossimg_local.emulator.server import EmulatorApp, EmulatorServer

from ..conftest import AK, REGION, SK
from .disk_audit import CLEAN, leftovers
from .fuzzing import BUCKETS, IMAGE, Fuzzer, World
from .raw_http import Raw, call_app, send

pytestmark = pytest.mark.emulator_only("fuzzes the emulator's own app and server")

SEED = int(os.environ.get("OSSIMG_FUZZ_SEED", "20240611"))
IN_PROCESS = int(os.environ.get("OSSIMG_FUZZ_REQUESTS", "6000"))
OVER_HTTP = max(IN_PROCESS // 15, 1)
RESEED_EVERY = 250
# Every status the emulator may answer: OSS's, and 501 for a call the emulator does not implement.
STATUSES = frozenset({200, 204, 206, 304, 400, 403, 404, 405, 409, 412, 416, 501})
SENDABLE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")  # a header value on the wire (RFC 9110 field-value)

NOT_HTTP = [
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: \xc2\xb2\r\n\r\n",
    b"PUT /fz-public/k HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n",
    b"PUT /fz-public/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    b"G\x00T / HTTP/1.1\r\n\r\n",
    b"GET /fz-public/k HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 300_000 + b"\r\n\r\n",
    b"\r\n\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
]


def reseed(backend: Backend) -> None:
    """Put back what the requests aim at (they delete, overwrite and restyle it as they go)."""
    store = backend.store
    for name, acl in zip(BUCKETS, ("private", "public-read-write"), strict=True):
        if name not in {b.name for b in store.list_buckets(max_keys=1000)[0]}:
            store.create_bucket(name, acl=acl)
        for key, data in (("k", b"0123456789"), ("img.png", IMAGE), ("dir/a", b"a"), ("\u4e2d\u6587 key", b"z"),
                          ("big", bytes(200_000)), ("dir/", b""), ("a+b=c&d", b"amp")):  # fmt: skip
            store.put_object(name, key, [data], NewObject("image/png" if key.endswith(".png") else "text/plain"))
        store.put_style(name, "s", "image/resize,w_8")
        if not backend.multipart.list_multipart_uploads(name, "mp"):
            upload = backend.multipart.initiate_multipart_upload(name, "mp", NewObject())
            backend.multipart.upload_part(name, "mp", upload.upload_id, 1, [b"p" * 1000])


@pytest.fixture(scope="module", name="fuzz_backend")
def _fuzz_backend(tmp_path_factory: pytest.TempPathFactory) -> Backend:
    return Backend.open(tmp_path_factory.mktemp("fuzz"), AK, SK, region=REGION, durable=False)


@pytest.fixture(name="world")
def _world(fuzz_backend: Backend) -> World:
    def upload_id() -> str:
        uploads = fuzz_backend.multipart.list_multipart_uploads(BUCKETS[0], "mp")
        return uploads[0].upload_id if uploads else "0" * 32

    reseed(fuzz_backend)
    return World(upload_id)


@pytest.fixture(name="errors_logged")
def _errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], list[str]]]:
    """The ERROR records of the test so far, from any thread (the server's included), e.g. the
    emulator's ``internal error`` with its traceback or waitress's ``uncaptured python exception``."""
    with caplog.at_level(logging.ERROR):
        yield lambda: [f"{r.name}: {r.getMessage()}" for r in caplog.get_records("call") if r.levelno >= logging.ERROR]


def problems(raw: Raw, status: int, headers: list[tuple[str, str]], body: bytes) -> list[str]:
    """What is wrong with an answer, if anything."""
    found = []
    if status not in STATUSES:
        found.append(f"status {status}")
    found += [f"header {k} cannot be sent: {v[:80]!r}" for k, v in headers if not SENDABLE.fullmatch(v)]
    if status >= 400:
        document = body
        if raw.method == "HEAD":
            err = next((v for k, v in headers if k.lower() == "x-oss-err"), "")
            document = base64.b64decode(err) if err else b""
        if error_code(document) is None:
            found.append(f"error without an OSS error document: {document[:120]!r}")
    return found


def error_code(document: bytes) -> str | None:
    """``<Error><Code>`` of an error document. A key with control characters (which OSS allows) makes the
    document XML 1.1 at best; oss2 then reads it with a regex, and so does this."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError:
        match = re.search(rb"^<\?xml[^>]*>\s*<Error><Code>(\w+)</Code>", document)
        return match.group(1).decode() if match else None
    return root.findtext("Code") if root.tag == "Error" else None


def describe(raw: Raw) -> str:
    return (
        f"{raw.method} {raw.path[:80]!r} ?{raw.query_string()[:160]} headers={list(raw.headers)} body={len(raw.body)}B"
    )


def test_in_process(fuzz_backend, world, errors_logged):
    app = EmulatorApp(fuzz_backend)
    fuzzer = Fuzzer(SEED)
    statuses: Counter[int] = Counter()
    failures = []
    for index in range(IN_PROCESS):
        if index and index % RESEED_EVERY == 0:
            reseed(fuzz_backend)
        raw = fuzzer.request(world)
        try:
            answer = call_app(app, raw)
        except Exception as exc:  # the app let an exception out: the server would answer 500
            failures.append(f"#{index} {describe(raw)}: raised {exc!r}")
            continue
        statuses[answer.status] += 1
        failures += [
            f"#{index} {describe(raw)}: {p}" for p in problems(raw, answer.status, answer.headers, answer.body)
        ]
    assert (failures[:20], errors_logged()[:20]) == ([], []), f"seed {SEED}"
    assert leftovers(fuzz_backend.store.root) == CLEAN  # refused writes, copies and parts left nothing behind
    assert sum(statuses.values()) == IN_PROCESS >= 5000 or "OSSIMG_FUZZ_REQUESTS" in os.environ
    assert statuses[200] > IN_PROCESS // 10  # the stream reaches past refusals into real work
    print(f"\nfuzz seed {SEED}: {IN_PROCESS} requests in process, statuses {dict(sorted(statuses.items()))}")


def test_over_http(fuzz_backend, world, errors_logged):
    fuzzer = Fuzzer(SEED + 1)
    statuses: Counter[int] = Counter()
    failures = []
    with EmulatorServer(fuzz_backend) as server, requests.Session() as session:
        for index in range(OVER_HTTP):
            raw = fuzzer.request(world)
            if raw.method == "get":  # http.client sends what it is given; keep to methods a proxy would pass
                raw.method = "GET"
            try:
                status, headers, body = exchange(server.endpoint, raw, session)
            except requests.RequestException as exc:  # a response cut off: what a crash mid-body looks like
                failures.append(f"#{index} {describe(raw)}: {exc!r}")
                continue
            statuses[status] += 1
            failures += [f"#{index} {describe(raw)}: {p}" for p in problems(raw, status, headers, body)]
        for index, garbage in enumerate(NOT_HTTP):
            status = raw_exchange(server.endpoint, garbage)
            if status is not None and status >= 500:  # waitress answers these itself, mostly 400
                failures.append(f"not HTTP #{index}: {status}")
        statuses_after = requests.get(server.endpoint + "/", timeout=20).status_code
    assert (failures[:20], errors_logged()[:20], statuses_after) == ([], [], 403), f"seed {SEED + 1}"
    print(f"\nfuzz seed {SEED + 1}: {OVER_HTTP} requests over HTTP + {len(NOT_HTTP)} not HTTP, "
          f"statuses {dict(sorted(statuses.items()))}")  # fmt: skip


def exchange(endpoint: str, raw: Raw, session: requests.Session) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of ``raw`` sent over HTTP."""
    with closing(send(endpoint, raw, session=session, stream=True)) as answer:
        headers = list(answer.raw.headers.items())
        # GET ?objectMeta answers like HEAD: the object's Content-Length (oss2 reads it as the size), no
        # body, and the connection closed; there is nothing to read.
        head_like = answer.ok and any(name == "objectMeta" for name, _ in raw.query)
        return answer.status_code, headers, b"" if head_like else answer.content


def raw_exchange(endpoint: str, data: bytes) -> int | None:
    """Send bytes on a connection of their own; the status answered, None if the server just closed it."""
    host, port = endpoint.removeprefix("http://").split(":")
    with closing(socket.create_connection((host, int(port)), timeout=20)) as conn:
        try:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
            first = conn.recv(64)
        except ConnectionResetError:
            return None
    match = re.match(rb"HTTP/1\.[01] (\d{3})", first)
    return int(match.group(1)) if match else None
