"""Benchmark: matching cost per key for 10 and for 10,000 rules, and their ratio (target: < 2).

Each key goes through what the function does per record: the run-time loop guard, then matching.
Keys mix matches at several depths with misses, so neither the best nor the worst case dominates.

Run: ``make bench`` (or ``.venv/bin/python bench/rules_match.py``).
"""

from __future__ import annotations

import random
import statistics
import time

from ossimg.rules.compiled import CompiledRules
from ossimg.rules.load import parse_rules

LOOKUPS = 20_000


def rule_file(count: int) -> bytes:
    """``count`` rules over tenant prefixes, with suffix, content-type and glob filters mixed in."""
    lines = ["version: 1", "rules:"]
    for n in range(count):
        extra = ("suffix: [.jpg, .png], ", "content_type: ['image/*'], ", "glob: 't*/photos/**', ", "")[n % 4]
        lines.append(
            f"  t{n:05d}/photos/: {{bucket: src, {extra}variants: "
            f"{{v: {{ops: 'image/resize,w_200', key: 'thumbs/{{key}}', bucket: out-{n % 7}}}}}}}"
        )
    return "\n".join(lines).encode()


def keys(count: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(LOOKUPS):
        n = rnd.randrange(count * 2)  # half of the tenants have no rule
        depth = "/".join(f"d{rnd.randrange(9)}" for _ in range(rnd.randrange(4)))
        out.append(f"t{n:05d}/photos/{depth}/img-{rnd.randrange(10**6)}.{rnd.choice(['jpg', 'png', 'txt'])}")
    return out


def per_key_us(rules: CompiledRules, sample: list[str]) -> float:
    started = time.perf_counter()
    for key in sample:
        if rules.produced_by("src", key) is None:
            rules.match(key, "src")
    return (time.perf_counter() - started) / len(sample) * 1e6


def main() -> None:
    print(f"Rule matching per key (loop guard + match), {LOOKUPS} keys, median of 5 rounds")
    print(f"{'rules':>7} {'load s':>8} {'us/key':>8}")
    results = {}
    for count in (10, 10_000):
        started = time.perf_counter()
        rules = parse_rules(rule_file(count), source=f"{count} rules")
        load = time.perf_counter() - started
        sample = keys(count)
        per_key_us(rules, sample)  # warm-up: builds the output index
        results[count] = statistics.median(per_key_us(rules, sample) for _ in range(5))
        print(f"{count:>7} {load:>8.2f} {results[count]:>8.2f}")
    print(f"  ratio   10,000 rules / 10 rules = {results[10_000] / results[10]:.2f} (target < 2)")


if __name__ == "__main__":
    main()
