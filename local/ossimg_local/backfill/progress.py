"""What a backfill has done so far: the counts it keeps (and checkpoints), the progress line it draws
on a terminal, and the summary it prints at the end."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TextIO

from ossimg.decide import Decision

SKIPS = ("outside", "no_rule", "outputs", "unprocessable")
SKIP_WORDS = {
    "outside": "last modified outside --since/--until",
    "no_rule": "no rule matches the key",
    "outputs": "outputs of a rule (never processed again)",
    "unprocessable": "over 20 MB or of a non-image type (the function would skip them unread)",
}


@dataclass
class Counts:
    """Objects by what became of them; records, not batches."""

    listed: int = 0
    outside: int = 0
    no_rule: int = 0
    outputs: int = 0
    unprocessable: int = 0
    matched: int = 0  # objects with variants to make, sent to the function
    dispatched: int = 0
    done: int = 0
    failed: int = 0
    by_variant: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, other: Counts) -> Counts:
        """A new Counts: ``self`` plus ``other``."""
        total = Counts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self) if f.name != "by_variant"}
        )
        for counts in (self.by_variant, other.by_variant):
            total.add_variants(counts)
        return total

    def skipped(self, decision: Decision) -> None:
        """Count an object the function would not process, by why: an output, no rule, or unreadable."""
        if decision.loop:
            self.outputs += 1
        elif not decision.matched:
            self.no_rule += 1
        else:
            self.unprocessable += 1

    def add_variants(self, counts: dict[str, dict[str, int]] | None) -> None:
        """Add the function's counts per variant and status."""
        for variant, statuses in (counts or {}).items():
            mine = self.by_variant.setdefault(variant, {})
            for status, n in statuses.items():
                mine[status] = mine.get(status, 0) + n

    def to_doc(self) -> dict[str, Any]:
        """JSON-ready (the checkpoint keeps it)."""
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Counts:
        """Inverse of :meth:`to_doc`."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in known})


class Progress:
    """One line, redrawn at most every ``every`` seconds, on a terminal; nothing elsewhere."""

    def __init__(
        self, stream: TextIO, *, enabled: bool, every: float = 0.2, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._stream, self._enabled, self._every, self._clock = stream, enabled, every, clock
        self._started = clock()
        self._drawn = float("-inf")
        self._base_done: int | None = None

    def update(self, counts: Counts, fraction: float | None, *, force: bool = False) -> None:
        """Redraw with ``counts``; ``fraction`` is how much of the source was read (None: unknown)."""
        now = self._clock()
        if self._base_done is None:
            self._base_done = counts.done + counts.failed  # a resumed run's rate counts this session only
        if not self._enabled or (not force and now - self._drawn < self._every):
            return
        self._drawn = now
        self._stream.write("\r\x1b[K" + self.line(counts, fraction))
        self._stream.flush()

    def line(self, counts: Counts, fraction: float | None) -> str:
        """``[####......]  41%  listed 4,100  dispatched 4,000  done 3,900  failed 0  312 obj/s  ETA 0:00:13``."""
        rate = self.rate(counts)
        settled = counts.done + counts.failed
        eta = "?"
        if fraction and rate > 0:
            left = max(0.0, counts.matched / fraction - settled)
            eta = _clock_text(left / rate)
        bar = "" if fraction is None else f"[{'#' * int(fraction * 20):.<20}] {fraction:4.0%}  "
        return (
            f"{bar}listed {counts.listed:,}  dispatched {counts.dispatched:,}  done {counts.done:,}  "
            f"failed {counts.failed:,}  {rate:,.0f} obj/s  ETA {eta}"
        )

    def rate(self, counts: Counts) -> float:
        """Objects settled per second in this session."""
        elapsed = max(1e-9, self._clock() - self._started)
        return max(0, counts.done + counts.failed - (self._base_done or 0)) / elapsed

    def close(self) -> None:
        """End the line."""
        if self._enabled:
            self._stream.write("\n")
            self._stream.flush()

    @property
    def elapsed(self) -> float:
        """Seconds since this session started."""
        return self._clock() - self._started


def _clock_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def summary_lines(counts: Counts, elapsed: float, rate: float) -> list[str]:
    """The summary printed at the end of a run."""
    lines = [f"listed {counts.listed:,} object(s); {counts.matched:,} with variants to make"]
    lines += [f"  skipped {getattr(counts, name):,}: {SKIP_WORDS[name]}" for name in SKIPS if getattr(counts, name)]
    lines.append(
        f"dispatched {counts.dispatched:,}; done {counts.done:,}; failed {counts.failed:,} "
        f"({elapsed:.1f} s, {rate:,.1f} objects/s)"
    )
    for variant in sorted(counts.by_variant):
        statuses = ", ".join(f"{status} {n:,}" for status, n in sorted(counts.by_variant[variant].items()))
        lines.append(f"  {variant}: {statuses}")
    return lines
