"""Objects survive restarts, and a SIGKILL never leaves a partial object behind."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import oss2
import pytest

from ossimg_local.emulator.backend import Backend
from ossimg_local.emulator.server import EmulatorServer

from ..conftest import AK, SK

pytestmark = pytest.mark.emulator_only("restarts and kills the emulator itself")


@contextmanager
def emulator_process(data: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``ossimg emulator`` as its own process, as users run it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ossimg_local.cli", "emulator", "--port", "0", "--data", str(data),
         "--access-key-id", AK, "--access-key-secret", SK],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://\S+", line)
        assert match, f"emulator did not report its endpoint: {line!r}"
        yield proc, match.group(0)
    finally:
        proc.kill()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def payload(key: str, size: int = 300_000) -> bytes:
    """The only bytes ever written under ``key``: any other content means corruption."""
    seed = hashlib.sha256(key.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def test_objects_survive_a_clean_restart(tmp_path):
    backend = Backend.open(tmp_path, AK, SK)
    with EmulatorServer(backend) as server:
        bucket = oss2.Bucket(oss2.Auth(AK, SK), server.endpoint, "keep")
        bucket.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ)
        bucket.put_object("a/猫.jpg", b"cat", headers={"x-oss-meta-k": "v"})
        upload = bucket.init_multipart_upload("pending").upload_id
        bucket.upload_part("pending", upload, 1, b"part one")
    with EmulatorServer(Backend.open(tmp_path, AK, SK)) as server:
        bucket = oss2.Bucket(oss2.Auth(AK, SK), server.endpoint, "keep")
        assert bucket.get_bucket_acl().acl == "public-read"
        assert bucket.get_object("a/猫.jpg").read() == b"cat"
        assert bucket.head_object("a/猫.jpg").headers["x-oss-meta-k"] == "v"
        assert [p.part_number for p in bucket.list_parts("pending", upload).parts] == [1]


@pytest.mark.slow
def test_sigkill_during_uploads_loses_nothing_acknowledged_and_exposes_nothing_partial(tmp_path):
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer(endpoint: str, worker: int) -> None:
        bucket = oss2.Bucket(oss2.Auth(AK, SK), endpoint, "crash")
        for n in range(10_000):
            if stop.is_set():
                return
            key = f"w{worker}/obj-{n}"
            try:
                bucket.put_object(key, payload(key))
            except (oss2.exceptions.RequestError, oss2.exceptions.ServerError):
                return
            acknowledged.append(key)

    with emulator_process(tmp_path) as (proc, endpoint):
        oss2.Bucket(oss2.Auth(AK, SK), endpoint, "crash").create_bucket()
        threads = [threading.Thread(target=writer, args=(endpoint, w)) for w in range(4)]
        for t in threads:
            t.start()
        waited = time.monotonic() + 60
        while len(acknowledged) < 20:
            assert time.monotonic() < waited, "the writers stopped before 20 uploads were acknowledged"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=30)

    with emulator_process(tmp_path) as (_, endpoint):
        bucket = oss2.Bucket(oss2.Auth(AK, SK), endpoint, "crash")
        present = [o.key for o in oss2.ObjectIteratorV2(bucket)]
        assert set(acknowledged) <= set(present)
        for key in present:
            assert bucket.get_object(key).read() == payload(key), f"{key} is partial or corrupt"
    assert not list((tmp_path / "tmp").iterdir()), "writes in flight were not cleaned up"
    assert len(list((tmp_path / "blobs").glob("*/*"))) == len(present), "orphan blobs were not swept"
