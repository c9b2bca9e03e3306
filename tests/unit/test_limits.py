"""Request bodies over a cap are refused before they are read (a declared Content-Length) or as
soon as they pass it (a chunked body), never read whole (the emulator's limits.read_capped)."""

from __future__ import annotations

import io

import pytest

from ossimg_local.emulator.errors import EntityTooLarge
from ossimg_local.emulator.limits import read_capped
from ossimg_local.emulator.wire import Request


class Counting(io.BytesIO):
    """A body that counts the bytes taken from it."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data


def request(body: bytes, declared: int | None) -> tuple[Request, Counting]:
    stream = Counting(body)
    return Request("POST", "b", "k", [], {}, stream, declared, "host"), stream


def test_a_body_within_the_cap_is_read_whole():
    req, _ = request(b"x-oss-process=image/resize,w_1", None)
    assert read_capped(req, 64) == b"x-oss-process=image/resize,w_1"


def test_a_declared_length_over_the_cap_is_refused_before_a_byte_is_read():
    req, stream = request(b"a" * 100, 100)
    with pytest.raises(EntityTooLarge, match="declares 100 bytes; at most 64"):
        read_capped(req, 64)
    assert stream.taken == 0


def test_a_chunked_body_is_refused_once_it_passes_the_cap():
    req, stream = request(b"a" * (10 << 20), None)
    with pytest.raises(EntityTooLarge, match="larger than 65536"):
        read_capped(req, 64 << 10)
    assert stream.taken <= (64 << 10) + 1
