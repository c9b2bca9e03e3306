"""Benchmark: backfill throughput, and the 10,000-object run through the local FC API.

(a) throughput: ``ossimg backfill --via local`` (batches of 16 on 4 workers) against the handler's use
    case invoked one event at a time, each on its own set of N photos, against one emulator running
    in its own process (so it has a core of its own, as OSS would); objects per second each.
(b) ``ossimg backfill --via fc`` of 10,000 photos (two variants each) through the local FC API (the
    built function deployed with aliyun-fc2, 4 instances), killed (SIGKILL) once half are done and
    resumed from its checkpoint: the emulator's own counters must show every variant made exactly
    once; run again, no IMG call at all. The emulator runs in this process there: its counters are
    the proof.

Run: ``make bench`` (or ``.venv/bin/python bench/backfill.py [--objects N] [--fc-objects N]``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import fc2
import oss2
from PIL import Image

from ossimg.logs import JsonLog
from ossimg.on_upload import run
from ossimg.oss import Oss2Client
from ossimg.pipeline import Status
from ossimg.retry import Deadline
from ossimg.rules.load import load_rules
from ossimg.settings import Credentials
from ossimg_local.deploy.package import build_function
from ossimg_local.emulator.backend import Backend
from ossimg_local.emulator.server import EmulatorServer
from ossimg_local.fc.api import FcApi
from ossimg_local.fc.template import load_template
from ossimg_local.serving import ThreadedServer
from ossimg_local.up import role_credentials

ROOT = Path(__file__).resolve().parents[1]
AK, SK = "LTAI-bench", "bench-secret"
FC_AK, FC_SK = "LTAI-bench-fc", "bench-fc-secret"
RULES = """version: 1
region: cn-hangzhou
rules:
  photos/:
    bucket: bench-src
    suffix: [.jpg]
    variants:
      small: {ops: [{resize: {w: 16}}], key: "small/{key}", bucket: bench-out}
      tiny: {ops: [{resize: {w: 8}}, {format: png}], key: "tiny/{dir}/{stem}.{format}", bucket: bench-out}
"""
ROLE = [{"Version": "1", "Statement": [
    {"Effect": "Allow", "Action": ["oss:GetObject", "oss:PostProcessTask"], "Resource": ["acs:oss:*:*:bench-src/*"]},
    {"Effect": "Allow", "Action": ["oss:PutObject", "oss:GetObject", "oss:DeleteObject"],
     "Resource": ["acs:oss:*:*:bench-out/*", "acs:oss:*:*:bench-src/.ossimg/claims/*"]},
]}]  # fmt: skip


def photo(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (n % 256, (n // 256) % 256, 120)).save(out, "JPEG")
    return out.getvalue()


def upload(endpoint: str, prefix: str, count: int) -> list[tuple[str, str]]:
    """``count`` photos under ``prefix``; their (key, ETag)."""
    bucket = oss2.Bucket(oss2.Auth(AK, SK), endpoint, "bench-src")
    return [(key, bucket.put_object(key, photo(n)).etag) for n in range(count) if (key := f"{prefix}{n:06d}.jpg")]


def cli(*args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    out = open(log, "wb") if log else subprocess.PIPE  # noqa: SIM115 (the child holds it)
    return subprocess.Popen([sys.executable, "-m", "ossimg_local.cli", *args], stdout=out, stderr=subprocess.STDOUT,
                            cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip


def ready(log: Path, timeout: float = 60) -> str:
    """The endpoint an ``ossimg emulator`` writing to ``log`` says it is ready at."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"ready at (\S+)", log.read_text(errors="replace"))
        if found:
            return found.group(1)
        time.sleep(0.05)
    raise SystemExit(f"the emulator did not start: {log.read_text()}")


def throughput(count: int, workdir: Path) -> None:
    emulator = cli("emulator", "--data", str(workdir / "oss"), "--port", "0", "--no-fsync",
                   "--access-key-id", AK, "--access-key-secret", SK, log=workdir / "emulator.log")  # fmt: skip
    try:
        endpoint = ready(workdir / "emulator.log")
        for name in ("bench-src", "bench-out"):
            oss2.Bucket(oss2.Auth(AK, SK), endpoint, name).create_bucket()
        one = upload(endpoint, "photos/one/", count)
        upload(endpoint, "photos/batched/", count)
        rules_path = workdir / "rules.yaml"
        rules_path.write_text(RULES)
        rules = load_rules(rules_path)
        client = Oss2Client(endpoint, "cn-hangzhou", Credentials(AK, SK))
        with open(os.devnull, "w") as devnull:
            log = JsonLog(devnull)
            started = time.perf_counter()
            for key, etag in one:
                record = {"eventName": "ObjectCreated:PutObject", "eventSource": "acs:oss",
                          "oss": {"bucket": {"name": "bench-src"}, "object": {"key": key, "eTag": etag}}}  # fmt: skip
                summary = run(json.dumps({"events": [record]}), rules, lambda: client, log,
                              deadline=Deadline.after(60))  # fmt: skip
                assert summary.count(Status.OK) == 2, summary
            single = count / (time.perf_counter() - started)
        fill = cli("backfill", "--bucket", "bench-src", "--prefix", "photos/batched/", "--rules", str(rules_path),
                   "--endpoint", endpoint, "--access-key-id", AK, "--access-key-secret", SK, "--no-progress",
                   "--json", "--batch", "16", "--workers", "4",
                   "--checkpoint", str(workdir / "a.checkpoint.json"))  # fmt: skip
        out, _ = fill.communicate(timeout=1800)
        summary = json.loads(out.decode().splitlines()[-1])
        assert (summary["done"], summary["failed"]) == (count, 0), summary
        batched = count / summary["seconds"]
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
    print(f"Backfill throughput, {count} photos x 2 variants each, one emulator process (2 cores shared)")
    print(f"  handler, one event at a time   {single:8.1f} objects/s")
    print(f"  backfill --via local           {batched:8.1f} objects/s   (batches of 16, 4 workers)")
    print(f"  ratio                          {batched / single:8.2f}x")


def via_fc(count: int, workdir: Path) -> None:
    backend = Backend.open(workdir / "fc-oss", AK, SK, durable=False)
    spec = next(s for s in load_template(ROOT / "template.yml") if s.name == "on_upload")
    rules_path = workdir / "rules.yaml"
    rules_path.write_text(RULES)
    code = build_function(ROOT, spec, rules_path, workdir / "build")
    with EmulatorServer(backend) as server:
        for name in ("bench-src", "bench-out"):
            oss2.Bucket(oss2.Auth(AK, SK), server.endpoint, name).create_bucket()
        started = time.perf_counter()
        keys = [key for key, _ in upload(server.endpoint, "photos/", count)]
        print(f"\nBackfill --via fc of {count} photos (uploaded in {time.perf_counter() - started:.0f} s) through the "
              "local FC API, 4 instances")  # fmt: skip
        creds = role_credentials(backend, ROLE)
        api = FcApi(FC_AK, FC_SK, workdir / "fc", lambda: creds, instances=4,
                    runtime_env={"OSSIMG_OSS_ENDPOINT": server.endpoint})  # fmt: skip
        try:
            with ThreadedServer(api) as fc_server:
                client = fc2.Client(endpoint=fc_server.endpoint, accessKeyID=FC_AK, accessKeySecret=FC_SK)
                client.create_service("ossimg")
                client.create_function("ossimg", "on_upload", "python3.10", "index.handler",
                                       initializer="index.initialize", codeDir=str(code), timeout=60,
                                       environmentVariables={"OSSIMG_RULES": "rules.yaml"})  # fmt: skip
                tracked = {"maxAsyncRetryAttempts": 3, "statefulInvocation": True}
                client.put_function_async_invoke_config("ossimg", "LATEST", "on_upload", tracked)
                _fc_runs(backend, api, server.endpoint, fc_server.endpoint, keys, workdir)
        finally:
            api.close()


def _fc_runs(backend: Backend, api: FcApi, endpoint: str, fc_endpoint: str, keys: list[str], workdir: Path) -> None:
    checkpoint = workdir / "fc.checkpoint.json"
    args = ["backfill", "--via", "fc", "--bucket", "bench-src", "--rules", str(workdir / "rules.yaml"),
            "--endpoint", endpoint, "--access-key-id", AK, "--access-key-secret", SK, "--fc-endpoint", fc_endpoint,
            "--fc-access-key-id", FC_AK, "--fc-access-key-secret", FC_SK, "--checkpoint", str(checkpoint),
            "--batch", "20", "--in-flight", "8", "--rate", "50", "--poll", "0.2",
            "--no-progress", "--json"]  # fmt: skip
    started = time.perf_counter()
    first = cli(*args, log=workdir / "first.log")
    done = 0
    while done < len(keys) // 2:
        assert first.poll() is None, (workdir / "first.log").read_text()
        time.sleep(0.1)
        try:
            done = json.loads(checkpoint.read_text())["counts"]["done"]
        except (OSError, ValueError, KeyError):
            continue
    first.send_signal(signal.SIGKILL)
    first.wait()
    print(f"  killed (SIGKILL) at {done} of {len(keys)} done, {time.perf_counter() - started:.0f} s in")
    second = cli(*args, log=workdir / "second.log")
    assert second.wait(timeout=3600) == 0, (workdir / "second.log").read_text()
    assert api.drain(600)
    elapsed = time.perf_counter() - started
    made = Counter({key: n for (_, key), n in backend.faults.counts("process").items()})
    exactly_once = made == dict.fromkeys(keys, 2)
    print(f"  resumed and finished: {elapsed:.0f} s in all, {len(keys) / elapsed:.1f} objects/s")
    print(f"  IMG calls {sum(made.values())} for {len(keys)} x 2 variants; every variant exactly once: {exactly_once}")
    before = sum(made.values())
    started = time.perf_counter()
    again = cli(*args, log=workdir / "again.log")
    assert again.wait(timeout=3600) == 0, (workdir / "again.log").read_text()
    assert api.drain(600)
    extra = sum(backend.faults.counts("process").values()) - before
    print(f"  run again: {extra} IMG calls ({time.perf_counter() - started:.0f} s, lineage HEADs only)")
    if not exactly_once or extra:
        raise SystemExit("backfill --via fc did not make every variant exactly once")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=300, help="photos per side of the throughput comparison")
    parser.add_argument("--fc-objects", type=int, default=10_000, help="photos of the --via fc run (0: skip it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ossimg-bench-backfill-") as folder:
        throughput(args.objects, Path(folder))
        if args.fc_objects:
            via_fc(args.fc_objects, Path(folder))


if __name__ == "__main__":
    main()
