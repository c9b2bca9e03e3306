"""``ossimg prune``: variants whose source is gone, or that no rule makes any more, found and removed.

Each object of the listed bucket (or inventory) is judged by what it records (``ossimg-source`` and
``ossimg-variant``, written with the lineage) and by the current rules:

- it records no source: not judged (not made by ossimg, or made before sources were recorded);
- its source exists and the current rules, applied to it, still write this very key: live, kept;
- its source exists but no rule writes this key from it any more (the rule was deleted, its filters
  or key template changed): an orphan;
- its source is gone and the rule that made it still exists and says ``on_delete: keep``: kept;
- its source is gone otherwise (its rule says ``remove`` and the delete event was missed, or its rule
  is gone): an orphan.

``--dry-run`` lists the orphans and deletes nothing; without it, each orphan is deleted. Reads are a
HEAD of each object and of each source (sources are remembered, so variants of one source cost one).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ossimg.claims import is_claim_key
from ossimg.decide import decide
from ossimg.errors import OssCallError
from ossimg.lineage import source_of, variant_of
from ossimg.oss import OssClient, Stat
from ossimg.plan import VariantPlan
from ossimg.rules.compiled import RuleIndex

from .batches import as_object_event
from .objects import Entry, Source

CHUNK = 256
REMEMBERED = 10_000  # sources kept in memory, most recent first
LIVE, KEPT, ORPHAN, UNJUDGED, FAILED = "live", "kept", "orphan", "unjudged", "failed"


class Verdict(NamedTuple):
    """What prune found an object to be, and why."""

    bucket: str
    key: str
    kind: str  # LIVE, KEPT, ORPHAN, UNJUDGED or FAILED
    reason: str = ""
    removed: bool = False


@dataclass
class PruneReport:
    """How many objects of each kind, and the orphans."""

    counts: dict[str, int] = field(default_factory=dict)
    orphans: list[Verdict] = field(default_factory=list)
    removed: int = 0

    def add(self, verdict: Verdict) -> None:
        self.counts[verdict.kind] = self.counts.get(verdict.kind, 0) + 1
        if verdict.kind == ORPHAN:
            self.orphans.append(verdict)
            self.removed += verdict.removed

    def to_doc(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "counts": self.counts,
            "removed": self.removed,
            "orphans": [
                {"bucket": o.bucket, "key": o.key, "reason": o.reason, "removed": o.removed} for o in self.orphans
            ],
        }


class Judge:
    """Judges objects against the rules, reading through ``client``."""

    def __init__(self, rules: RuleIndex, client: OssClient, region: str) -> None:
        self._rules, self._client, self._region = rules, client, region
        self._sources: OrderedDict[tuple[str, str], Stat | None] = OrderedDict()
        self._lock = threading.Lock()

    def judge(self, entry: Entry) -> Verdict:
        """The verdict on one object."""
        bucket, key = entry.bucket, entry.key
        if is_claim_key(key):
            return Verdict(bucket, key, UNJUDGED, "a claim record")
        try:
            found = self._client.stat(bucket, key)
            if found is None:
                return Verdict(bucket, key, UNJUDGED, "deleted while prune ran")
            source = source_of(found.meta)
            if source is None:
                return Verdict(bucket, key, UNJUDGED, "records no source")
            return self._by_source(entry, source, variant_of(found.meta), self._source(*source))
        except OssCallError as exc:
            return Verdict(bucket, key, FAILED, f"{exc.code}: {exc.message}")

    def _source(self, bucket: str, key: str) -> Stat | None:
        with self._lock:
            if (bucket, key) in self._sources:
                return self._sources[(bucket, key)]
        found = self._client.stat(bucket, key)
        with self._lock:
            self._sources[(bucket, key)] = found
            if len(self._sources) > REMEMBERED:
                self._sources.popitem(last=False)
        return found

    def _by_source(self, entry: Entry, source: tuple[str, str], variant: str, stat: Stat | None) -> Verdict:
        bucket, key = entry.bucket, entry.key
        where = f"{source[0]}/{source[1]}"
        if stat is not None:
            stored = Entry(*source, None, stat.etag or None, stat.last_modified)
            record = as_object_event(stored, self._region, stat.content_type)
            targets = {
                (p.target_bucket, p.target_key) for p in decide(record, self._rules).plans if isinstance(p, VariantPlan)
            }
            if (bucket, key) in targets:
                return Verdict(bucket, key, LIVE)
            return Verdict(bucket, key, ORPHAN, f"no rule makes it from {where} any more (made by {variant})")
        # The rule that made it, by the identity the variant records: matching the rules against the
        # deleted key again would depend on what only the source knew (its Content-Type) and on rules
        # added since, and a rule that keeps its variants would lose them.
        rule_prefix, _, name = variant.rpartition("#")
        for rule in self._rules.with_prefix(rule_prefix):
            if rule.bucket in (None, source[0]) and any(v.name == name for v in rule.variants):
                if rule.on_delete == "keep":
                    return Verdict(bucket, key, KEPT, f"{where} was deleted; rule {rule.label} keeps its variants")
                return Verdict(
                    bucket,
                    key,
                    ORPHAN,
                    f"{where} was deleted and rule {rule.label} removes its variants (the delete was not processed)",
                )
        return Verdict(bucket, key, ORPHAN, f"{where} was deleted and no rule makes {variant} any more")


def prune(
    objects: Source,
    rules: RuleIndex,
    client: OssClient,
    *,
    region: str,
    dry_run: bool,
    workers: int = 8,
    shown: Callable[[Verdict], None] | None = None,
) -> PruneReport:
    """Judge every object of ``objects``; delete the orphans unless ``dry_run``."""
    judge = Judge(rules, client, region)
    report = PruneReport()

    def handle(entry: Entry) -> Verdict:
        verdict = judge.judge(entry)
        if verdict.kind != ORPHAN or dry_run:
            return verdict
        try:
            client.delete_object(verdict.bucket, verdict.key)
        except OssCallError as exc:
            return verdict._replace(kind=FAILED, reason=f"{verdict.reason}; delete failed: {exc.code}")
        return verdict._replace(removed=True)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="prune") as pool:
        for chunk in _chunks(entry for entry, _ in objects.entries(None)):
            for verdict in pool.map(handle, chunk):
                report.add(verdict)
                if shown is not None:
                    shown(verdict)
    return report


def _chunks(entries: Iterator[Entry]) -> Iterator[list[Entry]]:
    chunk: list[Entry] = []
    for entry in entries:
        chunk.append(entry)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
