"""Benchmark: the FC handler's cold start, concurrency and memory, each against a same-run baseline.

(a) a fresh process imports the handler and serves a first matching event, vs ``import oss2``
(b) a fresh process imports the handler and serves an event no rule matches, vs ``import oss2``
(c) 8 variants with 100 ms of injected IMG latency: concurrent vs one at a time
(d) peak memory of the process in (a)

The emulator runs in this process; the measured work runs in fresh interpreters (interpreter
start-up itself is left out of both sides). The function's rules are compiled (``ossimg compile``),
as ``make build`` ships them.

Run: ``make bench`` (or ``.venv/bin/python bench/handler.py [--runs N]``).
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import oss2

from ossimg.logs import JsonLog
from ossimg.on_upload import run
from ossimg.oss import Oss2Client
from ossimg.retry import Deadline
from ossimg.rules.load import load_rules, parse_rules
from ossimg.rules.stored import compiled_path, write_compiled
from ossimg.settings import Credentials
from ossimg_local.emulator.backend import Backend
from ossimg_local.emulator.faults import FaultRule
from ossimg_local.emulator.server import EmulatorServer
from ossimg_local.samples import sample_image

ROOT = Path(__file__).resolve().parents[1]
AK, SK = "LTAI-bench", "bench-secret"
ONE_VARIANT = """version: 1
region: cn-hangzhou
rules:
  in/:
    bucket: bench-src
    variants: {thumb: {ops: "image/resize,w_32/format,webp", key: "t/{key}.webp", bucket: bench-out}}
"""
CHILD = """
import sys, time, json, types
# As on FC: ossimg is a plain folder in the code directory, not this checkout's editable install.
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in getattr(f, "__module__", "")]
started = time.perf_counter()
sys.path.insert(0, {code!r})
import index
creds = types.SimpleNamespace(access_key_id={ak!r}, access_key_secret={sk!r}, security_token="")
ctx = types.SimpleNamespace(request_id="bench", region="cn-hangzhou", credentials=creds,
                            function=types.SimpleNamespace(timeout=60))
result = json.loads(index.handler({event!r}, ctx))
elapsed = time.perf_counter() - started
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
assert sys.modules["ossimg"].__file__.startswith({code!r}), "ossimg must come from the function's folder"
print(json.dumps({{"seconds": elapsed, "peak_kb": peak, "ok": result["ok"], "oss2": "oss2" in sys.modules,
                  "pydantic": "pydantic" in sys.modules}}))
"""
BASELINE = """
import time, json
started = time.perf_counter()
import oss2
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def event(key: str, etag: str = "") -> bytes:
    obj = {"key": key, "size": 1000, "eTag": etag}
    record = {"eventName": "ObjectCreated:PutObject", "oss": {"bucket": {"name": "bench-src"}, "object": obj}}
    return json.dumps({"events": [record]}).encode()


def child(code: str, endpoint: str, body: bytes) -> dict[str, float]:
    script = CHILD.format(code=code, ak=AK, sk=SK, event=body)
    env = {"OSSIMG_OSS_ENDPOINT": endpoint, "OSSIMG_RULES": "rules.yaml", "FC_FUNC_CODE_PATH": code,
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def baseline() -> float:
    done = subprocess.run([sys.executable, "-c", BASELINE], capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout)["seconds"])


def function_dir(tmp: Path) -> Path:
    """The function as deployed: index.py and the ossimg package beside rules.yaml and its compiled form."""
    code = tmp / "on_upload"
    code.mkdir()
    shutil.copy(ROOT / "functions" / "on_upload" / "index.py", code)
    shutil.copytree(ROOT / "shared" / "ossimg", code / "ossimg", ignore=shutil.ignore_patterns("__pycache__"))
    (code / "rules.yaml").write_text(ONE_VARIANT)
    rules = load_rules(code / "rules.yaml")
    write_compiled(rules, (code / "rules.yaml").read_bytes(), compiled_path(code / "rules.yaml"))
    return code


def cold_starts(code: Path, endpoint: str, source: oss2.Bucket, runs: int) -> None:
    image = sample_image("in/x.jpg", (64, 48))
    rows: dict[str, list[float]] = {"matching": [], "non-matching": [], "import oss2": []}
    peaks, imports_oss2 = [], []
    for n in range(runs):
        key = f"in/{n}.jpg"  # a new object each run: nothing is up to date yet
        etag = source.put_object(key, image).etag
        first = child(str(code), endpoint, event(key, etag))
        assert first["ok"] == 1, first
        rows["matching"].append(first["seconds"])
        peaks.append(first["peak_kb"] / 1024)
        other = child(str(code), endpoint, event("elsewhere/x.jpg"))
        rows["non-matching"].append(other["seconds"])
        imports_oss2.append(other["oss2"])
        rows["import oss2"].append(baseline())
    base = statistics.median(rows["import oss2"])
    print(f"{'cold start':<28} {'median ms':>10} {'min ms':>8} {'ratio to import oss2':>22}")
    for name, values in rows.items():
        med = statistics.median(values)
        print(f"{name:<28} {med * 1000:>10.1f} {min(values) * 1000:>8.1f} {med / base:>22.2f}")
    print(f"(a) matching / import oss2 = {statistics.median(rows['matching']) / base:.2f} (target <= 1.15)")
    print(f"(b) non-matching / import oss2 = {statistics.median(rows['non-matching']) / base:.2f} (target <= 0.3);"
          f" oss2 imported on a non-matching event: {any(imports_oss2)}")  # fmt: skip
    print(f"(d) peak memory serving the first event: {max(peaks):.1f} MB (target < 128)")


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
    print(f"\n8 variants, 100 ms injected per IMG call: concurrent {timings[8] * 1000:.0f} ms, "
          f"one at a time {timings[1] * 1000:.0f} ms")  # fmt: skip
    print(f"(c) concurrent / one at a time = {timings[8] / timings[1]:.2f} (target <= 0.2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ossimg-bench-") as tmp:
        backend = Backend.open(Path(tmp) / "oss", AK, SK, durable=False)
        with EmulatorServer(backend) as server:
            auth = oss2.Auth(AK, SK)
            for name in ("bench-src", "bench-out"):
                oss2.Bucket(auth, server.endpoint, name).create_bucket()
            source = oss2.Bucket(auth, server.endpoint, "bench-src")
            print(f"FC handler, {args.runs} fresh processes per row, emulator at {server.endpoint}")
            cold_starts(function_dir(Path(tmp)), server.endpoint, source, args.runs)
            concurrency(backend, server.endpoint, source)


if __name__ == "__main__":
    main()
