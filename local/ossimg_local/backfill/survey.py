"""``ossimg backfill --dry-run``: what a backfill would do, found by reading only.

Every object goes through the function's own stages in read-only mode: ``decide()``, the pre-flight
(the object's first bytes, one ranged GET) and the lineage check (a HEAD of each variant), taking no
claim, and stops where the function would call IMG (``Execution(dry_run=True)``). So the counts are the
function's: per rule and variant, how many objects match, how many variants are already up to date,
how many the pre-flight would skip, and how many IMG calls a real run would make. It sends no write
of any kind: it runs with a role that may only list and read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ossimg.decide import Decision, decide
from ossimg.oss import OssClient
from ossimg.pipeline import Execution, RecordOutcome, Status, run_decisions
from ossimg.retry import Backoff, Deadline
from ossimg.rules.compiled import RuleIndex

from .batches import as_object_event
from .objects import Source, Window
from .progress import SKIP_WORDS, SKIPS, Counts

CHUNK = 256  # objects read, then checked together (the checks run on ``workers`` threads)
COLUMNS = ("matched", "up_to_date", "img_calls", "skipped", "failed")
WHOLE = Window()


@dataclass
class Survey:
    """A dry run's findings: objects by what became of them, and per ``<rule>#<variant>`` counts."""

    counts: Counts = field(default_factory=Counts)
    variants: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def img_calls(self) -> int:
        """IMG calls a real run would make."""
        return sum(v["img_calls"] for v in self.variants.values())

    def tally(self, outcome: RecordOutcome) -> None:
        """Count one object's outcome."""
        for plan in outcome.decision.plans:
            row = self._row(plan.rule, plan.variant)
            row["matched"] += 1
            if outcome.skip is not None:
                row["skipped"] += 1
        for result in outcome.variants:
            row = self._row(result.rule, result.variant)
            if result.status is Status.UP_TO_DATE:
                row["up_to_date"] += 1
            elif result.status is Status.WOULD_MAKE:
                row["img_calls"] += 1
            else:
                row["failed"] += 1

    def _row(self, rule: str, variant: str) -> dict[str, int]:
        return self.variants.setdefault(f"{rule}#{variant}", dict.fromkeys(COLUMNS, 0))

    def to_doc(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"counts": self.counts.to_doc(), "variants": self.variants, "img_calls": self.img_calls}

    def lines(self) -> list[str]:
        """The report as a table."""
        width = max([len("rule#variant"), *map(len, self.variants)])
        head = (
            f"{'rule#variant':<{width}}  {'matched':>9}  {'up to date':>10}  {'IMG calls':>9}  {'skipped':>8}  failed"
        )
        out = [f"listed {self.counts.listed:,} object(s); {self.counts.matched:,} with variants to make"]
        out += [
            f"  skipped {getattr(self.counts, name):,}: {SKIP_WORDS[name]}"
            for name in SKIPS
            if getattr(self.counts, name)
        ]
        out.append(head)
        for name in sorted(self.variants):
            v = self.variants[name]
            out.append(
                f"{name:<{width}}  {v['matched']:>9,}  {v['up_to_date']:>10,}  {v['img_calls']:>9,}  "
                f"{v['skipped']:>8,}  {v['failed']:,}"
            )
        out.append(f"a real run would make {self.img_calls:,} IMG call(s)")
        return out


def survey(
    source: Source,
    rules: RuleIndex,
    client: OssClient,
    *,
    region: str,
    window: Window = WHOLE,
    workers: int = 8,
    progress: Callable[[Survey], None] | None = None,
) -> Survey:
    """Read ``source`` and report what a backfill of it would do; writes nothing."""
    execution = Execution(client, Deadline.after(float(10**9)), Backoff(), workers, rules.version, dry_run=True)
    found = Survey()
    chunk: list[Decision] = []
    for entry, _ in source.entries(None):
        found.counts.listed += 1
        if not window.admits(entry.modified):
            found.counts.outside += 1
            continue
        decision = decide(as_object_event(entry, region), rules)
        if decision.skip is not None:  # counted as the backfill counts it: never sent
            found.counts.skipped(decision)
            found.tally(RecordOutcome(decision, decision.skip))
            continue
        found.counts.matched += 1
        chunk.append(decision)
        if len(chunk) >= CHUNK:
            _check(execution, chunk, found, progress)
            chunk = []
    _check(execution, chunk, found, progress)
    return found


def _check(ex: Execution, chunk: Sequence[Decision], found: Survey, progress: Callable[[Survey], None] | None) -> None:
    for outcome in run_decisions(ex, chunk):
        found.tally(outcome)
    if progress is not None:
        progress(found)
