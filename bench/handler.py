"""Benchmark: the handler's variants of one event run side by side, against one at a time, same run.

8 variants with 100 ms of injected IMG latency: concurrent vs one at a time. The cold start as
deployed (from the build's zip, with the initializer) is bench/cold_start.py's.

Run: ``make bench`` (or ``.venv/bin/python bench/handler.py``).
"""

from __future__ import annotations

import io
import json
import statistics
import tempfile
import time
from pathlib import Path

import oss2

from ossimg.logs import JsonLog
from ossimg.on_upload import run
from ossimg.oss import Oss2Client
from ossimg.retry import Deadline
from ossimg.rules.load import parse_rules
from ossimg.settings import Credentials
from ossimg_local.emulator.backend import Backend
from ossimg_local.emulator.faults import FaultRule
from ossimg_local.emulator.server import EmulatorServer
from ossimg_local.samples import sample_image

ROOT = Path(__file__).resolve().parents[1]
AK, SK = "LTAI-bench", "bench-secret"


def event(key: str, etag: str = "") -> bytes:
    obj = {"key": key, "size": 1000, "eTag": etag}
    record = {"eventName": "ObjectCreated:PutObject", "oss": {"bucket": {"name": "bench-src"}, "object": obj}}
    return json.dumps({"events": [record]}).encode()


def concurrency(backend: Backend, endpoint: str, source: oss2.Bucket) -> None:
    variants = "\n".join(
        f'      v{n}: {{ops: "image/resize,w_{16 + n}", key: "c/{n}/{{key}}", bucket: bench-out}}' for n in range(8)
    )
    text = f"version: 1\nrules:\n  c/:\n    bucket: bench-src\n    variants:\n{variants}\n"
    rules = parse_rules(text.encode(), source="c")
    client = Oss2Client(endpoint, "cn-hangzhou", Credentials(AK, SK))
    backend.faults.reset([FaultRule.parse("process:1:delay:100")])
    timings = {}
    for workers in (8, 1):
        samples = []
        for n in range(3):
            key = f"c/{workers}-{n}.jpg"
            etag = source.put_object(key, sample_image(key, (64, 48))).etag
            started = time.perf_counter()
            run(event(key, etag), rules, lambda: client, JsonLog(io.StringIO()), deadline=Deadline.after(60),
                workers=workers)  # fmt: skip
            samples.append(time.perf_counter() - started)
        timings[workers] = statistics.median(samples)
    backend.faults.reset([])
    print(f"8 variants, 100 ms injected per IMG call: concurrent {timings[8] * 1000:.0f} ms, "
          f"one at a time {timings[1] * 1000:.0f} ms")  # fmt: skip
    print(f"(c) concurrent / one at a time = {timings[8] / timings[1]:.2f} (target <= 0.2)")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ossimg-bench-") as tmp:
        backend = Backend.open(Path(tmp) / "oss", AK, SK, durable=False)
        with EmulatorServer(backend) as server:
            auth = oss2.Auth(AK, SK)
            for name in ("bench-src", "bench-out"):
                oss2.Bucket(auth, server.endpoint, name).create_bucket()
            concurrency(backend, server.endpoint, oss2.Bucket(auth, server.endpoint, "bench-src"))


if __name__ == "__main__":
    main()
