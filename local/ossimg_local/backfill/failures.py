"""Where a backfill writes what failed, so it can be re-driven: one JSON object per line.

Each line holds an event in the native OSS trigger shape (``{"events": [...]}``), the batch it was
in and why it failed: a whole batch that failed after FC's retries (or was refused), or one record
whose variants failed for good inside an otherwise done batch. ``ossimg backfill --redrive FILE``
reads the file back as its source and sends those objects again (with the current rules).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .batches import Batch
from .objects import Entry, parse_time


class FailureLog:
    """Appends failures to ``path`` (created on the first one)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0

    def batch(self, batch: Batch, error: str) -> None:
        """A batch that failed as a whole."""
        self._write({"batch": batch.id, "error": error, "event": {"events": batch.records}})

    def record(self, batch: Batch, record: dict[str, Any], error: str) -> None:
        """One record that failed inside a batch that ran."""
        self._write({"batch": batch.id, "error": error, "event": {"events": [record]}})

    def _write(self, doc: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(
                json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **doc}, ensure_ascii=False)
                + "\n"
            )
        self.written += 1


class FailedEvents:
    """The objects of a failures file, as a backfill source (resumable at a record within a line: one
    line holds a whole failed batch, and a resumed run's batches need not end where a line does)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._done = False

    def describe(self) -> dict[str, Any]:
        """See :class:`~.objects.Source`."""
        return {"kind": "failures", "path": str(self.path.resolve())}

    def entries(self, cursor: dict[str, Any] | None) -> Iterator[tuple[Entry, dict[str, Any]]]:
        """See :class:`~.objects.Source`: the cursor is ``{"line": n, "record": i}``, the first ``i``
        records of line ``n`` read (``{"line": n}`` alone: all of it)."""
        line_at = int((cursor or {}).get("line", 0))
        record_at = (cursor or {}).get("record")
        with open(self.path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if number < line_at or not line.strip():
                    continue
                skip = 0
                if number == line_at:
                    if record_at is None:
                        continue
                    skip = int(record_at)
                records = json.loads(line)["event"]["events"]
                for index, rec in enumerate(records[skip:], start=skip + 1):
                    obj = rec["oss"]["object"]
                    modified = parse_time(rec["eventTime"]) if rec.get("eventTime") else None
                    entry = Entry(rec["oss"]["bucket"]["name"], obj["key"], obj.get("size"), obj.get("eTag"), modified)
                    yield entry, {"line": number, "record": index}
        self._done = True

    def fraction(self) -> float | None:
        """See :class:`~.objects.Source`."""
        return 1.0 if self._done else None
