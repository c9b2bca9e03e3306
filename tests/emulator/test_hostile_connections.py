"""Slow clients cannot lock others out. waitress alone stops accepting at 100 connections, and a
client trickling its headers in is never idle, so 120 of them shut every new client out (issue #9).
The emulator's server accepts 1,000 and gives a request's headers 15 seconds (see ``serving.py``)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing

import pytest
import requests

from ossimg_local.emulator.server import EmulatorServer

pytestmark = pytest.mark.emulator_only("opens raw connections to the emulator's own server")

PARTIAL = b"GET / HTTP/1.1\r\nHost: slow\r\nX-Slow: "  # a request whose headers never end, so far


def connect(endpoint: str) -> socket.socket:
    host, port = endpoint.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


@pytest.fixture(name="server")
def _server(backend, request) -> Iterator[EmulatorServer]:
    with EmulatorServer(backend, **getattr(request, "param", {})) as server:
        yield server


@pytest.mark.parametrize("server", [{"header_timeout": 120}], indirect=True)  # none of them is cut meanwhile
def test_150_clients_sending_headers_slowly_do_not_lock_others_out(server):
    with ExitStack() as stack:
        slow = [stack.enter_context(closing(connect(server.endpoint))) for _ in range(150)]
        for conn in slow:
            conn.sendall(PARTIAL)
        # A client arriving now is served (anonymous ListBuckets: 403, but answered)...
        assert requests.get(server.endpoint + "/", timeout=20).status_code == 403
        # ...while every slow one was still open, and is answered once its headers end.
        for conn in slow:
            conn.sendall(b"1\r\n\r\n")
        assert {conn.recv(64).split(b" ")[1] for conn in slow} == {b"403"}


@pytest.mark.parametrize("server", [{"header_timeout": 1}], indirect=True)
def test_headers_trickling_in_past_the_deadline_are_cut_off(server):
    with closing(connect(server.endpoint)) as conn:
        conn.sendall(PARTIAL)
        closed = False
        for _ in range(200):  # a byte every 0.1 s keeps waitress's idle timer from ever firing
            try:
                conn.sendall(b"x")
                time.sleep(0.1)
            except OSError:  # reset or broken pipe: the server closed it
                closed = True
                break
            conn.settimeout(0)
            try:
                closed = conn.recv(1) == b""
            except BlockingIOError:
                pass
            except OSError:
                closed = True
            conn.settimeout(30)
            if closed:
                break
        assert closed
    assert requests.get(server.endpoint + "/", timeout=20).status_code == 403  # others are still served


@pytest.mark.parametrize("server", [{"header_timeout": 1}], indirect=True)
def test_a_slow_body_after_prompt_headers_is_not_cut_off(server, oss2_bucket):
    # Headers in at once; the body over three seconds, three times the header deadline.
    bucket = oss2_bucket
    url = bucket.sign_url("PUT", "slow.bin", 60).replace(bucket.target.endpoint, server.endpoint)

    def body() -> Iterator[bytes]:
        for _ in range(6):
            time.sleep(0.5)
            yield b"x" * 1000

    assert requests.put(url, data=body(), timeout=30).status_code == 200
    assert bucket.get("slow.bin").body == b"x" * 6000
