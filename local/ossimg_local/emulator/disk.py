"""Crash-safe file primitives for the store.

Why: an object is acknowledged only after its bytes and its metadata are on disk, and a reader must
never see half of either. Metadata is written to a temporary file in the same file system, flushed
and fsynced, and then renamed over its final name (rename is atomic on POSIX). Bytes go to a blob
under a new name that nothing points to until that metadata does.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from .checksums import Digest

CHUNK = 1 << 20
T = TypeVar("T")


class Disk:
    """A data directory: ``tmp/`` for metadata writes in flight, ``blobs/`` for object bytes."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        self.durable = durable
        self.tmp = root / "tmp"
        self.blobs = root / "blobs"
        for folder in (self.tmp, self.blobs):
            folder.mkdir(parents=True, exist_ok=True)

    def recover(self) -> None:
        """Drop metadata writes a crash left half-done: nothing in ``tmp/`` was ever acknowledged.
        (A blob a crash left half-written is one no metadata points to: the store sweeps those.)"""
        for leftover in self.tmp.iterdir():
            leftover.unlink(missing_ok=True)

    def blob_path(self, blob_id: str) -> Path:
        """Where the bytes of ``blob_id`` live."""
        return self.blobs / blob_id[:2] / blob_id

    def write_blob(self, chunks: Iterable[bytes]) -> tuple[str, Digest]:
        """Stream ``chunks`` into a new durable blob; returns its id and digests.

        The blob is written under its final name: the id is new, so no reader can find it before
        metadata points to it, and a crash mid-write leaves a blob nothing points to, which the
        store sweeps at start."""
        blob_id = uuid.uuid4().hex
        final = self.blob_path(blob_id)
        digest = Digest()
        try:
            with _create(final) as out:
                for chunk in chunks:
                    digest.update(chunk)
                    out.write(chunk)
                self._sync(out)
        except BaseException:
            final.unlink(missing_ok=True)
            raise
        self._sync_dir(final.parent)
        return blob_id, digest

    def link_blob(self, blob_id: str, source: BinaryIO) -> str:
        """A new blob with the bytes of ``blob_id``: a hard link, so copies cost no space, or a copy
        read from ``source`` (an open handle on it) when the link cannot be made, which includes the
        blob having been replaced since the handle was opened."""
        new_id = uuid.uuid4().hex
        final = self.blob_path(new_id)
        try:
            _in_folder(final, lambda: os.link(self.blob_path(blob_id), final))
        except OSError:
            source.seek(0)
            copied, _ = self.write_blob(iter(lambda: source.read(CHUNK), b""))
            return copied
        self._sync_dir(final.parent)
        return new_id

    def open_blob(self, blob_id: str) -> BinaryIO:
        """An open handle on a blob: its bytes stay readable through it even once the blob is deleted."""
        return open(self.blob_path(blob_id), "rb")

    def delete_blob(self, blob_id: str) -> None:
        """Remove a blob no metadata points to any more."""
        self.blob_path(blob_id).unlink(missing_ok=True)

    def write_json(self, path: Path, doc: dict[str, Any]) -> None:
        """Atomically replace ``path`` with ``doc`` as JSON."""
        self.publish(self.stage_json(doc), path)
        self.sync_dir(path)

    def stage_json(self, doc: dict[str, Any]) -> Path:
        """``doc`` written and made durable under a temporary name, ready to :meth:`publish`. The slow
        part of a metadata write, done before any lock is taken."""
        tmp = self.tmp / f"{uuid.uuid4().hex}.json"
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(json.dumps(doc, ensure_ascii=False))  # one write: json.dump makes one per token
            self._sync(out)
        return tmp

    def publish(self, staged: Path, path: Path) -> None:
        """Put a staged file in place atomically (a rename: cheap, under the caller's lock)."""
        _in_folder(path, lambda: os.replace(staged, path))

    def discard(self, staged: Path) -> None:
        """Drop a staged file that will not be published."""
        staged.unlink(missing_ok=True)

    def sync_dir(self, path: Path) -> None:
        """Make the rename that put ``path`` in place durable (after the lock: it is an fsync)."""
        self._sync_dir(path.parent)

    def _sync(self, handle: Any) -> None:
        if self.durable:
            handle.flush()
            os.fsync(handle.fileno())

    def _sync_dir(self, folder: Path) -> None:
        if self.durable:
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _create(path: Path) -> BinaryIO:
    """A new file at ``path`` open for writing, its folder made if it is missing."""
    return _in_folder(path, lambda: open(path, "xb"))


def _in_folder(path: Path, make: Callable[[], T]) -> T:
    """``make()``, which puts ``path`` in place; if its folder is missing, the folder is made and
    ``make`` tried once more. Folders almost always exist, so asking first would cost a system call
    on every write, and a cache of the folders made would go stale when a bucket is deleted."""
    try:
        return make()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return make()


def read_json(path: Path) -> dict[str, Any]:
    """Load one metadata document."""
    with open(path, encoding="utf-8") as src:
        doc: dict[str, Any] = json.load(src)
    return doc


def read_chunks(path: Path, start: int = 0, length: int | None = None) -> Iterable[bytes]:
    """Yield ``length`` bytes of ``path`` from ``start`` (to the end when ``length`` is None)."""
    with open(path, "rb") as src:
        yield from FileBody(src, start, length)


class FileBody:
    """``length`` bytes of an open file from ``start``, chunk by chunk, as a response body.

    The handle is opened before the response starts, so a write or delete of the object meanwhile
    cannot take the bytes away; ``close`` (called by the WSGI server, sent or not) releases it.
    """

    def __init__(self, handle: BinaryIO, start: int = 0, length: int | None = None) -> None:
        self.handle, self.start, self.length = handle, start, length

    def __iter__(self) -> Iterator[bytes]:
        self.handle.seek(self.start)
        left = self.length
        while left is None or left > 0:
            chunk = self.handle.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk

    def close(self) -> None:
        """Release the file."""
        self.handle.close()
