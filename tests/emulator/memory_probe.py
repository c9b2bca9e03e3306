"""Run IMG chains one after another in this process and report, for each, the cost the engine
planned and the memory the process really held at its peak while running it.

Run as a script: ``python memory_probe.py`` reads ``[[file, process, {key: file}, run], …]`` (JSON)
on stdin (``run`` false: plan only, decode nothing) and prints, for each, ``{"cost": bytes,
"held": bytes, "status": …, "seconds": …}``. The peak is the kernel's own figure: VmHWM, reset to
the current size before each chain (/proc/self/clear_refs, Linux ≥ 4.0), minus the size before it
ran.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path
from typing import BinaryIO


def _status() -> dict[str, int]:
    lines = Path("/proc/self/status").read_text().splitlines()
    return {line.split(":")[0]: int(line.split()[1]) * 1024 for line in lines if line.startswith(("VmHWM", "VmRSS"))}


def main() -> None:
    from ossimg.img.chain import parse
    from ossimg_local.emulator.admission import release_memory, tune_allocator
    from ossimg_local.emulator.engine import prepare
    from ossimg_local.emulator.errors import OssError

    tune_allocator()  # as the emulator runs
    results = []
    for path, process, marks, run in json.load(sys.stdin):

        def fetch(key: str, marks: dict[str, str] = marks) -> tuple[BinaryIO, int]:
            return open(marks[key], "rb"), Path(marks[key]).stat().st_size

        gc.collect()
        release_memory()
        Path("/proc/self/clear_refs").write_text("5")
        before, started = _status()["VmRSS"], time.perf_counter()
        cost, status = 0, "ok"
        try:
            with prepare(open(path, "rb"), Path(path).stat().st_size, parse(process), fetch=fetch) as job:
                cost = job.cost
                if run:
                    job.run().close()
        except OssError as error:
            status = error.code
        held, seconds = _status()["VmHWM"] - before, time.perf_counter() - started
        results.append({"cost": cost, "held": held, "status": status, "seconds": seconds})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
