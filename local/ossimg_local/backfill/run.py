"""One backfill run: objects from a source, decided locally, batched, dispatched, settled, checkpointed.

Each object is decided with the same ``decide()`` the function runs, so objects no rule wants (or
that are outputs, or that the function would skip before reading them) are counted and never sent.
The rest become records of batches; at most ``capacity`` batches are in flight, and the checkpoint
moves with each dispatch, and every ``read_through`` entries read without one (a long stretch of
objects no rule wants still moves it; see ``checkpoint.py``). Counts in the checkpoint cover exactly
the objects up to its cursor, so a resumed run's totals are those of one uninterrupted run.

Ctrl-C stops reading; a dispatcher whose work dies with this process (``--via local``) first lets
the batches under way finish (a second Ctrl-C does not wait), one whose work goes on elsewhere
(``--via fc``) does not wait; either way the checkpoint is saved and the same command resumes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ossimg.decide import decide
from ossimg.rules.compiled import RuleIndex

from .batches import Batch, Packer, as_object_event, record
from .checkpoint import Checkpoint
from .dispatch import Dispatcher, Settled
from .failures import FailureLog
from .objects import Entry, Source, Window
from .progress import Counts, Progress

POLL = 0.05  # seconds between looks at what settled while waiting for room
WHOLE = Window()
READ_THROUGH = 1000  # entries read without a dispatch before the cursor and counts move anyway


@dataclass
class Backfill:
    """The parts of a run; :meth:`run` drives them to the end."""

    source: Source
    rules: RuleIndex
    dispatcher: Dispatcher
    checkpoint: Checkpoint
    failures: FailureLog
    progress: Progress
    region: str
    batch_size: int = 16
    window: Window = WHOLE
    read_through: int = READ_THROUGH

    def __post_init__(self) -> None:
        self.committed = Counts.from_doc(self.checkpoint.counts)
        self.reading = Counts()  # objects read since the last dispatch: committed with the next one

    @property
    def counts(self) -> Counts:
        """Everything so far, this session and the ones it resumes."""
        return self.committed.add(self.reading)

    def run(self) -> Counts:
        """Backfill everything after the checkpoint's cursor; returns the final counts. Raises
        KeyboardInterrupt after saving the checkpoint when interrupted."""
        try:
            self._read()
            while self.dispatcher.in_flight():
                self._settle(self.dispatcher.wait(POLL * 10))
        except KeyboardInterrupt:
            try:
                while self.dispatcher.waits_on_interrupt and self.dispatcher.in_flight():
                    self._settle(self.dispatcher.wait(POLL * 10))
            finally:
                self.checkpoint.save(force=True)
            raise
        except Exception:  # e.g. FC stopped answering: what was done so far still counts on resume
            self.checkpoint.save(force=True)
            raise
        self.checkpoint.save(force=True)
        self.progress.update(self.counts, self.source.fraction(), force=True)
        self.checkpoint.finish()
        return self.counts

    def _read(self) -> None:
        for batch in list(self.checkpoint.pending.values()):
            self.dispatcher.resume(batch)
        packer = Packer(f"{self.checkpoint.run_id}-{self.checkpoint.session}", self.batch_size)
        previous = self.checkpoint.cursor  # the cursor after the entry before this one
        for entry, cursor in self.source.entries(self.checkpoint.cursor):
            doc = self._admit(entry)
            if doc is not None:
                before = packer.overflow(doc)
                if before is not None:
                    # This object starts the next batch (not counted yet); what was read since the closed
                    # batch's last record was counted: it resumes after those, before this one.
                    before.cursor = previous
                    self._dispatch(before)
                self.reading.matched += 1
            self.reading.listed += 1
            if doc is not None and (full := packer.add(doc, cursor)) is not None:
                self._dispatch(full)
            elif self.reading.listed >= self.read_through:
                self._read_through(packer, cursor)
            previous = cursor
            self._show()
        last = packer.flush()
        if last is not None:
            self._dispatch(last)
        self._commit()

    def _read_through(self, packer: Packer, cursor: dict[str, object]) -> None:
        """``read_through`` entries read and nothing dispatched (objects no rule wants, out of the window):
        send the batch being filled, or just move the cursor, so a resume starts here, counted once."""
        partial = packer.flush()
        if partial is not None:
            partial.cursor = cursor
            self._dispatch(partial)
        else:
            self.checkpoint.read_to(cursor)
            self._commit()

    def _admit(self, entry: Entry) -> dict[str, object] | None:
        """The record to send for ``entry``, or None (counted by reason) when there is nothing to do."""
        if not self.window.admits(entry.modified):
            self.reading.outside += 1
            return None
        decision = decide(as_object_event(entry, self.region), self.rules)
        if decision.skip is None:
            return record(entry, self.region)
        self.reading.skipped(decision)
        return None

    def _dispatch(self, batch: Batch) -> None:
        while self.dispatcher.in_flight() >= self.dispatcher.capacity:
            self._settle(self.dispatcher.wait(POLL))
        self.dispatcher.submit(batch)
        self.reading.dispatched += len(batch.records)
        self.checkpoint.dispatched(batch)
        self._commit()
        self._settle(self.dispatcher.wait(0))

    def _commit(self) -> None:
        self.committed, self.reading = self.counts, Counts()
        self.checkpoint.counts = self.committed.to_doc()
        self.checkpoint.save()

    def _settle(self, settled: list[Settled]) -> None:
        for item in settled:
            records = len(item.batch.records)
            if item.ok:
                self.committed.done += records - len(item.failed)
                self.committed.failed += len(item.failed)
                for rec, why in item.failed:
                    self.failures.record(item.batch, rec, why)
            else:
                self.committed.failed += records
                self.failures.batch(item.batch, item.error)
            self.committed.add_variants(item.by_variant)
            self.checkpoint.settled(item.batch.id)
        if settled:
            self.checkpoint.counts = self.committed.to_doc()
            self.checkpoint.save()
        self._show()

    def _show(self) -> None:
        self.progress.update(self.counts, self.source.fraction())
