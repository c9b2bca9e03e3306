"""Where an interrupted backfill resumes: the source's cursor and the batches still in flight.

The file holds what the run is (its source and how it dispatches: a checkpoint never resumes a
different run), the cursor after the last entry dispatched or read through, every batch dispatched
but not yet settled (their records: at most ``in-flight x batch size`` of them, never the whole
listing), and the counts so far. It is replaced atomically (written beside, fsynced, renamed), at most every
``interval`` seconds and at the end, so a kill at any moment leaves the last whole checkpoint.

Resuming re-attaches to the batches still in flight (on FC: their asynchronous tasks, by id) and reads
the source from the cursor. What a kill loses is only the last interval's bookkeeping: those records
are dispatched again, and lineage makes the second delivery cost one HEAD per variant, no IMG call.
A finished run deletes its checkpoint, so running again starts a new pass.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .batches import Batch

FORMAT = 1


class CheckpointError(ValueError):
    """A checkpoint that belongs to another run, or cannot be read."""


@dataclass
class Checkpoint:
    """A run's state on disk (``path``), and in memory while it runs."""

    path: Path
    run: dict[str, Any]
    run_id: str = field(default_factory=lambda: f"backfill-{secrets.token_hex(4)}")
    cursor: dict[str, Any] | None = None
    pending: dict[str, Batch] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    interval: float = 0.5
    # Names this process's batches (<run_id>-<session>-<n>): a resumed run never reuses an earlier id.
    session: str = field(default_factory=lambda: secrets.token_hex(2))
    clock: Callable[[], float] = time.monotonic
    _saved: float = field(default=float("-inf"), repr=False)

    @classmethod
    def open(cls, path: Path, run: dict[str, Any], interval: float = 0.5) -> Checkpoint:
        """The checkpoint at ``path`` for ``run``, or a fresh one. Raises CheckpointError when the file
        is another run's or unreadable."""
        if not path.exists():
            return cls(path, run, interval=interval)
        try:
            doc = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"{path}: cannot be read ({exc}); delete it to start over") from None
        if doc.get("format") != FORMAT or doc.get("run") != run:
            raise CheckpointError(
                f"{path} is the checkpoint of another run ({json.dumps(doc.get('run'))}); finish that run, "
                "choose another --checkpoint, or delete it to start over"
            )
        pending = {b["id"]: Batch.from_doc(b) for b in doc.get("pending", [])}
        return cls(path, run, str(doc["run_id"]), doc.get("cursor"), pending, dict(doc.get("counts", {})), interval)

    @property
    def resumed(self) -> bool:
        """Did this run start from an earlier one's checkpoint?"""
        return self.cursor is not None or bool(self.pending)

    def dispatched(self, batch: Batch) -> None:
        """``batch`` was handed to the function: it is in flight, and the source moves past it."""
        self.pending[batch.id] = batch
        if batch.cursor is not None:
            self.cursor = batch.cursor

    def read_to(self, cursor: dict[str, Any]) -> None:
        """Everything up to ``cursor`` was read and counted, with nothing left to dispatch."""
        self.cursor = cursor

    def settled(self, batch_id: str) -> None:
        """A batch ended (succeeded, or failed and was written where it can be re-driven)."""
        self.pending.pop(batch_id, None)

    def save(self, *, force: bool = False) -> None:
        """Write the checkpoint if ``interval`` has passed since the last write (or ``force``)."""
        now = self.clock()
        if not force and now - self._saved < self.interval:
            return
        doc = {
            "format": FORMAT,
            "run": self.run,
            "run_id": self.run_id,
            "cursor": self.cursor,
            "pending": [b.to_doc() for b in self.pending.values()],
            "counts": self.counts,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "wb") as out:
            out.write(json.dumps(doc, ensure_ascii=False).encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
        self._saved = now

    def finish(self) -> None:
        """The run is complete: the next one starts a new pass."""
        self.path.unlink(missing_ok=True)
