"""Benchmark: the emulator's image engine against plain Pillow and against libvips, in the same run.

For a 12-megapixel JPEG made into a 200-pixel-wide WebP (thumbnail) and a 1024-pixel-wide JPEG,
it prints each implementation's median time and peak memory and the ratios.
Baselines: Pillow open -> full decode -> resize -> save, the way naive code does it; and libvips
(pyvips, with the libvips that pyvips-binary ships) ``thumbnail_buffer`` -> save, its fastest way
(shrink-on-load), at the same output quality. Each (case, implementation) runs in a fresh process,
so peak memory is its own.

Run: ``make bench`` (or ``.venv/bin/python bench/img_engine.py [--runs N]``).
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = {
    "thumbnail": ("image/resize,w_200/format,webp", 200, "WEBP"),
    "large": ("image/resize,w_1024", 1024, "JPEG"),
}
SOURCE = (4000, 3000)


def make_source(path: Path) -> None:
    """A photo-like 12 MP JPEG: gradients plus noise, so the encoder has real work."""
    from PIL import Image

    width, height = SOURCE
    noise = Image.effect_noise((width // 4, height // 4), 40).resize(SOURCE)
    gradient = Image.linear_gradient("L").resize(SOURCE)
    image = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.ROTATE_180)))
    image.save(path, "JPEG", quality=90)


def engine(data: bytes, case: str) -> bytes:
    from ossimg.img.chain import parse
    from ossimg_local.emulator.engine import process

    return process(data, parse(CASES[case][0])).body


def baseline(data: bytes, case: str) -> bytes:
    from PIL import Image

    _, width, fmt = CASES[case]
    image = Image.open(io.BytesIO(data))
    image.load()
    height = round(image.height * width / image.width)
    small = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, fmt, quality=85)
    return out.getvalue()


def vips(data: bytes, case: str) -> bytes:
    import pyvips  # type: ignore[import-untyped]

    _, width, fmt = CASES[case]
    image = pyvips.Image.thumbnail_buffer(data, width, height=10_000_000)  # the width decides, as w_ does
    suffix = ".webp" if fmt == "WEBP" else ".jpg"
    return image.write_to_buffer(suffix, Q=85)  # type: ignore[no-any-return]


IMPLEMENTATIONS = {"engine": engine, "pillow": baseline, "pyvips": vips}


def worker(source: Path, case: str, impl: str, runs: int) -> None:
    """One (case, implementation) in this process: print median seconds and peak RSS as JSON."""
    data = source.read_bytes()
    run = IMPLEMENTATIONS[impl]
    run(data, case)  # warm-up: imports, codec initialisation
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run(data, case)
        times.append(time.perf_counter() - started)
    peak_mb = peak_rss_mb()
    print(json.dumps({"median_s": statistics.median(times), "min_s": min(times), "peak_mb": peak_mb}))


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over an
    exec from the parent that forked us, which would hide the worker's own figure."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(source: Path, case: str, impl: str, runs: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", case, impl, "--runs", str(runs), "--source", str(source)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--source", type=Path, default=Path("out/bench/source-12mp.jpg"))
    parser.add_argument("--worker", nargs=2, metavar=("CASE", "IMPL"))
    parser.add_argument("--make-source", action="store_true")
    args = parser.parse_args()
    if args.make_source:
        make_source(args.source)
        return
    if args.worker:
        worker(args.source, args.worker[0], args.worker[1], args.runs)
        return
    args.source.parent.mkdir(parents=True, exist_ok=True)
    if not args.source.exists():
        subprocess.run([sys.executable, __file__, "--make-source", "--source", str(args.source)], check=True)
    size_mb = args.source.stat().st_size / 1e6
    impls = [i for i in IMPLEMENTATIONS if i != "pyvips" or has_pyvips()]
    print(f"Image engine vs Pillow and libvips: {SOURCE[0]}x{SOURCE[1]} JPEG ({size_mb:.1f} MB), {args.runs} runs each")
    if "pyvips" not in impls:
        print("  (pyvips is not installed here: make venv installs it with the dev extras; its row is left out)")
    print(f"{'case':<10} {'impl':<9} {'median ms':>10} {'min ms':>8} {'peak RSS MB':>12}")
    for case in CASES:
        results = {impl: measure(args.source, case, impl, args.runs) for impl in impls}
        for impl, r in results.items():
            print(f"{case:<10} {impl:<9} {r['median_s'] * 1000:>10.1f} {r['min_s'] * 1000:>8.1f} {r['peak_mb']:>12.1f}")
        speed = results["pillow"]["median_s"] / results["engine"]["median_s"]
        memory = results["engine"]["peak_mb"] / results["pillow"]["peak_mb"]
        print(f"{case:<10} engine is {speed:.1f}x faster than plain Pillow; peak memory engine/Pillow = {memory:.2f}")
        if "pyvips" in results:
            ratio = results["engine"]["median_s"] / results["pyvips"]["median_s"]
            print(f"{case:<10} engine / pyvips time = {ratio:.2f} (target <= 1.0)")


def has_pyvips() -> bool:
    try:
        import pyvips  # noqa: F401
    except (ImportError, OSError):  # OSError: the binding without a libvips to load
        return False
    return True


if __name__ == "__main__":
    main()
