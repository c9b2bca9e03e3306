"""Benchmark: the emulator's PutObject throughput, 1 client thread against 8, for 10 KB and 1 MB bodies.

The emulator runs as users run it (``ossimg emulator``, its own process, fsync on); clients are oss2
in this process. The baseline is the same emulator with one client thread: the ratio says how well
writes proceed side by side (1.0 means not at all).

Run: ``make bench`` (or ``.venv/bin/python bench/emulator_put.py [--seconds S]``).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import oss2

AK, SK = "LTAI-bench", "bench-secret"
SIZES = {"10 KB": 10 * 1024, "1 MB": 1024 * 1024}


def start_emulator(data: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ossimg_local.cli", "emulator", "--port", "0", "--data", str(data),
         "--access-key-id", AK, "--access-key-secret", SK],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    match = re.search(r"http://\S+", proc.stdout.readline())
    assert match, "the emulator did not start"
    return proc, match.group(0)


def ops_per_second(endpoint: str, bucket: str, size: int, threads: int, seconds: float) -> float:
    body = b"x" * size
    done = [0] * threads
    stop = time.monotonic() + seconds

    def writer(n: int) -> None:
        client = oss2.Bucket(oss2.Auth(AK, SK), endpoint, bucket, enable_crc=False)
        while time.monotonic() < stop:
            client.put_object(f"w{n}/{done[n]}", body)
            done[n] += 1

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ossimg-bench-put-") as tmp:
        proc, endpoint = start_emulator(Path(tmp))
        try:
            oss2.Bucket(oss2.Auth(AK, SK), endpoint, "bench-put").create_bucket()
            print(f"Emulator PutObject, oss2 clients, {args.seconds:.0f} s per row, fsync on ({endpoint})")
            print(f"{'body':<8} {'1 thread ops/s':>15} {'8 threads ops/s':>16} {'8 / 1':>7}")
            for name, size in SIZES.items():
                one = ops_per_second(endpoint, "bench-put", size, 1, args.seconds)
                eight = ops_per_second(endpoint, "bench-put", size, 8, args.seconds)
                print(f"{name:<8} {one:>15.0f} {eight:>16.0f} {eight / one:>7.2f}")
        finally:
            proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


if __name__ == "__main__":
    main()
