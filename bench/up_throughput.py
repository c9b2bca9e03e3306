"""Benchmark: ``make up`` end to end, against the emulator's own IMG rate on the same chains, same run.

End to end: ``ossimg up``'s wiring (``up.start``: the emulator's OSS notifications, FC's asynchronous
queue, ``--instances`` process instances of on_upload's build with its role's key), 200 uploads
under ``uploads/`` of rules/example.yaml, whose rule makes 3 variants of each; timed from the first
PUT until every invocation settled. Baseline: the same emulator, the same sources and the same 3
chains, ``process_object`` with ``sys/saveas`` from 8 client threads, nothing else. Clients (the
uploader and the baseline's) run in a process of their own, as a person's ``curl`` and the function
instances do, so that none of them shares the emulator's interpreter.

Run: ``make bench`` (or ``.venv/bin/python bench/up_throughput.py [--uploads N] [--instances N]``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import oss2

from ossimg.img.saveas import process_with_saveas
from ossimg.rules.load import load_rules
from ossimg_local import up
from ossimg_local.emulator.backend import Backend
from ossimg_local.emulator.server import EmulatorServer
from ossimg_local.fc.template import load_template
from ossimg_local.samples import sample_image

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "example.yaml"
AK, SK = "LTAI-bench", "bench-secret"
SOURCE, PREFIX, OUT = "ossimg-uploads", "uploads/bench/", "ossimg-variants"
SIZE = (1200, 900)  # a photo as a web form uploads it
THREADS = 8


def chains() -> list[str]:
    """The IMG chains the ``uploads/`` rule sends, as the function renders them."""
    rule = next(r for r in load_rules(RULES).rules if r.prefix == "uploads/")
    return [v.chain for v in rule.variants]


def client(endpoint: str, job: str, count: int) -> None:
    """The client side, in its own process: ``put`` the sources, or ``process`` every (source, chain)
    with saveas; 8 threads; prints the seconds it took."""
    auth = oss2.Auth(AK, SK)
    body = sample_image("bench.jpg", SIZE)
    work: list[tuple[str, str | None]] = (
        [(f"{PREFIX}{n}.jpg", None) for n in range(count)] if job == "put" else
        [(f"{PREFIX}{n}.jpg", process_with_saveas(c, f"baseline/{n}-{i}", OUT))
         for n in range(count) for i, c in enumerate(chains())]
    )  # fmt: skip
    lock = threading.Lock()

    def worker() -> None:
        bucket = oss2.Bucket(auth, endpoint, SOURCE)
        while True:
            with lock:
                if not work:
                    return
                key, process = work.pop()
            if process is None:
                bucket.put_object(key, body)
            else:
                bucket.process_object(key, process)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"seconds": time.perf_counter() - started}))


def run_client(endpoint: str, job: str, count: int) -> float:
    done = subprocess.run([sys.executable, __file__, "--client", endpoint, job, str(count)], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return float(json.loads(done.stdout)["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--instances", type=int, default=up.DEFAULT_INSTANCES)
    parser.add_argument("--client", nargs=3, metavar=("ENDPOINT", "JOB", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client(args.client[0], args.client[1], int(args.client[2]))
        return
    variants = args.uploads * len(chains())
    with tempfile.TemporaryDirectory(prefix="ossimg-bench-up-") as tmp:
        specs = load_template(ROOT / "template.yml")
        builds = up.build_all(ROOT, specs, RULES, Path(tmp) / "build")
        backend = Backend.open(Path(tmp) / "data", AK, SK)  # as ossimg up opens it: fsync on
        with EmulatorServer(backend) as server:
            cloud = up.start(backend, server, ROOT, RULES, builds, echo=False, instances=args.instances,
                             failures=Path(tmp) / "failures")  # fmt: skip
            try:
                print(f"make up: {args.uploads} uploads x {len(chains())} variants ({SIZE[0]}x{SIZE[1]} JPEG), "
                      f"{args.instances} function instances; emulator at {server.endpoint}")  # fmt: skip
                started = time.perf_counter()
                run_client(server.endpoint, "put", args.uploads)
                assert cloud.drain(timeout=1200), "the uploads were not all processed"
                end_to_end = time.perf_counter() - started
            finally:
                cloud.close()
            made = backend.faults.counts("process")
            assert (len(made), set(made.values())) == (args.uploads, {len(chains())}), made
            baseline = run_client(server.endpoint, "process", args.uploads)
    e2e_rate, base_rate = variants / end_to_end, variants / baseline
    print(f"{'':<44} {'seconds':>8} {'variants/s':>11}")
    print(f"{'end to end (upload, notify, FC, IMG, lineage)':<44} {end_to_end:>8.1f} {e2e_rate:>11.1f}")
    print(f"{'emulator alone, 8 threads of process+saveas':<44} {baseline:>8.1f} {base_rate:>11.1f}")
    print(f"end to end / emulator alone = {e2e_rate / base_rate:.2f} (target >= 0.8)")


if __name__ == "__main__":
    main()
