"""Benchmark: ``make up`` end to end, against the emulator's own IMG rate on the same chains, same run.

End to end: ``ossimg up``'s wiring (``up.start``: the emulator's OSS notifications, FC's asynchronous
queue, ``--instances`` process instances of on_upload's build with its role's key), 200 uploads
under ``uploads/`` of rules/example.yaml, whose rule makes 3 variants of each; timed from the first
PUT until every invocation settled. Baseline: the same emulator, the same sources and the same 3
chains, ``process_object`` with ``sys/saveas`` from 8 client threads, nothing else. Rounds alternate
the two (3 by default) and the ratio printed is the median of the rounds' own ratios, so that load
from elsewhere on the machine (2 shared cores) weighs on both sides of each ratio alike. Clients (the
uploader and the baseline's) run in a process of their own, as a person's ``curl`` and the function
instances do, so that none of them shares the emulator's interpreter.

Run: ``make bench`` (or ``.venv/bin/python bench/up_throughput.py [--uploads N] [--instances N] [--rounds N]``).
"""

from __future__ import annotations

import argparse
import json
import statistics
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


def client(endpoint: str, job: str, count: int, prefix: str) -> None:
    """The client side, in its own process: ``put`` the sources, or ``process`` every (source, chain)
    with saveas; 8 threads; prints the seconds it took."""
    auth = oss2.Auth(AK, SK)
    body = sample_image("bench.jpg", SIZE)
    work: list[tuple[str, str | None]] = (
        [(f"{prefix}{n}.jpg", None) for n in range(count)] if job == "put" else
        [(f"{prefix}{n}.jpg", process_with_saveas(c, f"baseline/{prefix}{n}-{i}", OUT))
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


def run_client(endpoint: str, job: str, count: int, prefix: str) -> float:
    done = subprocess.run([sys.executable, __file__, "--client", endpoint, job, str(count), prefix],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return float(json.loads(done.stdout)["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--instances", type=int, default=up.DEFAULT_INSTANCES)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--client", nargs=4, metavar=("ENDPOINT", "JOB", "COUNT", "PREFIX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client(args.client[0], args.client[1], int(args.client[2]), args.client[3])
        return
    variants = args.uploads * len(chains())
    with tempfile.TemporaryDirectory(prefix="ossimg-bench-up-") as tmp:
        specs = load_template(ROOT / "template.yml")
        builds = up.build_all(ROOT, specs, RULES, Path(tmp) / "build")
        backend = Backend.open(Path(tmp) / "data", AK, SK)  # as ossimg up opens it: fsync on
        with EmulatorServer(backend) as server:
            cloud = up.start(backend, server, ROOT, RULES, builds, echo=False, instances=args.instances,
                             failures=Path(tmp) / "failures")  # fmt: skip
            print(f"make up: {args.uploads} uploads x {len(chains())} variants ({SIZE[0]}x{SIZE[1]} JPEG), "
                  f"{args.instances} function instances, {args.rounds} rounds; "
                  f"emulator at {server.endpoint}")  # fmt: skip
            print(f"{'round':<6} {'end to end s':>13} {'variants/s':>11} {'emulator alone s':>17} {'variants/s':>11} "
                  f"{'ratio':>6}")  # fmt: skip
            try:
                ratios = [
                    one_round(backend, server.endpoint, cloud, n, args.uploads, variants) for n in range(args.rounds)
                ]
            finally:
                cloud.close()
    print(
        f"end to end / emulator alone = {statistics.median(ratios):.2f}, the median of {args.rounds} rounds "
        "(target >= 0.8)"
    )


def one_round(backend: Backend, endpoint: str, cloud: up.LocalCloud, n: int, uploads: int, variants: int) -> float:
    """Upload new sources and time them through ``make up``'s wiring, then the baseline on the same
    sources; prints the round's line and returns its ratio."""
    prefix = f"{PREFIX}r{n}/"
    before = backend.faults.counts("process")
    started = time.perf_counter()
    run_client(endpoint, "put", uploads, prefix)
    assert cloud.drain(timeout=1200), "the uploads were not all processed"
    end_to_end = time.perf_counter() - started
    made = {k: v - before.get(k, 0) for k, v in backend.faults.counts("process").items() if k[1].startswith(prefix)}
    assert (len(made), set(made.values())) == (uploads, {len(chains())}), made
    baseline = run_client(endpoint, "process", uploads, prefix)
    e2e_rate, base_rate = variants / end_to_end, variants / baseline
    print(f"{n + 1:<6} {end_to_end:>13.1f} {e2e_rate:>11.1f} {baseline:>17.1f} {base_rate:>11.1f} "
          f"{e2e_rate / base_rate:>6.2f}")  # fmt: skip
    return e2e_rate / base_rate


if __name__ == "__main__":
    main()
