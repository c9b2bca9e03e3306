"""Crash-safe file primitives for the store.

Why: an object is acknowledged only after its bytes and its metadata are on disk, and a reader must
never see half of either. Every write goes to a temporary file in the same file system, is flushed
and fsynced, and then renamed over its final name (rename is atomic on POSIX).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .checksums import Digest

CHUNK = 1 << 20


class Disk:
    """A data directory: ``tmp/`` for writes in flight, ``blobs/`` for object bytes."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        self.durable = durable
        self.tmp = root / "tmp"
        self.blobs = root / "blobs"
        for folder in (self.tmp, self.blobs):
            folder.mkdir(parents=True, exist_ok=True)

    def recover(self) -> None:
        """Drop writes a crash left half-done: nothing in ``tmp/`` was ever acknowledged."""
        for leftover in self.tmp.iterdir():
            leftover.unlink(missing_ok=True)

    def blob_path(self, blob_id: str) -> Path:
        """Where the bytes of ``blob_id`` live."""
        return self.blobs / blob_id[:2] / blob_id

    def write_blob(self, chunks: Iterable[bytes]) -> tuple[str, Digest]:
        """Stream ``chunks`` into a new durable blob; returns its id and digests."""
        blob_id = uuid.uuid4().hex
        tmp = self.tmp / blob_id
        digest = Digest()
        try:
            with open(tmp, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    out.write(chunk)
                self._sync(out)
            final = self.blob_path(blob_id)
            final.parent.mkdir(exist_ok=True)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._sync_dir(final.parent)
        return blob_id, digest

    def link_blob(self, blob_id: str) -> str:
        """A new blob with the same bytes (a hard link, so copies cost no space)."""
        new_id = uuid.uuid4().hex
        final = self.blob_path(new_id)
        final.parent.mkdir(exist_ok=True)
        try:
            os.link(self.blob_path(blob_id), final)
        except OSError:
            with open(self.blob_path(blob_id), "rb") as src:
                copied, _ = self.write_blob(iter(lambda: src.read(CHUNK), b""))
            return copied
        self._sync_dir(final.parent)
        return new_id

    def delete_blob(self, blob_id: str) -> None:
        """Remove a blob no metadata points to any more."""
        self.blob_path(blob_id).unlink(missing_ok=True)

    def write_json(self, path: Path, doc: dict[str, Any]) -> None:
        """Atomically replace ``path`` with ``doc`` as JSON."""
        tmp = self.tmp / f"{uuid.uuid4().hex}.json"
        with open(tmp, "w", encoding="utf-8") as out:
            json.dump(doc, out, ensure_ascii=False)
            self._sync(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, path)
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


def read_json(path: Path) -> dict[str, Any]:
    """Load one metadata document."""
    with open(path, encoding="utf-8") as src:
        doc: dict[str, Any] = json.load(src)
    return doc


def read_chunks(path: Path, start: int = 0, length: int | None = None) -> Iterable[bytes]:
    """Yield ``length`` bytes of ``path`` from ``start`` (to the end when ``length`` is None)."""
    with open(path, "rb") as src:
        src.seek(start)
        left = length
        while left is None or left > 0:
            chunk = src.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk
