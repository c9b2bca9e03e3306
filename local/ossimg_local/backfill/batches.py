"""Existing objects as the events OSS would have sent for them, packed into invocations.

Each object becomes one record of the native OSS trigger shape (platform-facts §0.1), named
``ObjectCreated:PutObject`` with its size, ETag and Last-Modified as ``eventTime``, so the function
decides and plans it exactly as it did (or would have) on upload. Records are packed into
``{"events": [...]}`` batches of at most ``size`` records and ``MAX_PAYLOAD`` bytes: FC takes at most
128 KB per asynchronous invocation ("the maximum payload for an asynchronous invocation is 128 KB",
FC's EntityTooLarge FAQ, doc-detail/2527064).

A record carries no ``objectMeta.mimeType``: neither a listing nor an inventory knows the Content-Type,
so rules with a ``content_type`` filter match on the type guessed from the key (the pre-flight still
reads the object's bytes). ``responseElements.requestId`` says which backfill batch sent it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ossimg.events import ObjectEvent, parse_event

from .objects import Entry, iso

MAX_PAYLOAD = 120 * 1024  # under FC's 128 KB, leaving room for the envelope
EVENT_NAME = "ObjectCreated:PutObject"
SENDER = "ossimg-backfill"  # where OSS writes its request id and the uploader, a backfill says it sent the event


def record(entry: Entry, region: str, content_type: str = "") -> dict[str, Any]:
    """The OSS trigger record for ``entry`` (with the object's Content-Type, when it is known)."""
    obj: dict[str, Any] = {"key": entry.key}
    if entry.size is not None:
        obj["size"] = entry.size
    if entry.etag:
        obj["eTag"] = entry.etag
    if content_type:
        obj["objectMeta"] = {"mimeType": content_type}
    doc: dict[str, Any] = {
        "eventName": EVENT_NAME,
        "eventSource": "acs:oss",
        "eventVersion": "1.0",
        "region": region,
        "oss": {"bucket": {"name": entry.bucket}, "object": obj, "ossSchemaVersion": "1.0", "ruleId": SENDER},
        "responseElements": {"requestId": SENDER},
        "userIdentity": {"principalId": SENDER},
    }
    if entry.modified is not None:
        doc["eventTime"] = iso(entry.modified)
    return doc


def as_object_event(entry: Entry, region: str, content_type: str = "") -> ObjectEvent:
    """What the function reads from :func:`record`: the same parser, so a local decision is its decision.
    Raises EventError for an object the function could not read either (a listing never yields one)."""
    parsed = parse_event({"events": [record(entry, region, content_type)]})
    if parsed.errors:
        raise parsed.errors[0]
    return parsed.records[0]


@dataclass
class Batch:
    """One invocation's worth of records, named for FC's asynchronous task id."""

    id: str
    records: list[dict[str, Any]] = field(default_factory=list)
    cursor: dict[str, Any] | None = None  # where the source resumes after this batch's last record
    attempts: int = 0

    @property
    def payload(self) -> bytes:
        """The event, as the function receives it."""
        return json.dumps({"events": self.records}, ensure_ascii=False).encode("utf-8")

    @property
    def keys(self) -> list[str]:
        """The batch's object keys (for messages)."""
        return [str(r["oss"]["object"]["key"]) for r in self.records]

    def to_doc(self) -> dict[str, Any]:
        """A JSON-ready form (checkpoint and failure files)."""
        return {"id": self.id, "records": self.records, "cursor": self.cursor}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Batch:
        """Inverse of :meth:`to_doc`."""
        return cls(str(doc["id"]), list(doc["records"]), doc.get("cursor"))


class Packer:
    """Fills batches up to ``size`` records and ``max_bytes`` of payload; ids are ``<run>-<n>``.

    A batch is handed out the moment it is complete (:meth:`add` filled it) or can take no more
    (:meth:`overflow`: the next record would not fit), so its cursor is where the source stands.
    """

    def __init__(self, run: str, size: int, max_bytes: int = MAX_PAYLOAD) -> None:
        self.run, self.size, self.max_bytes = run, size, max_bytes
        self.next = 0
        self._open = self._new()
        self._bytes = 0

    def _new(self) -> Batch:
        batch = Batch(f"{self.run}-{self.next}")
        self.next += 1
        return batch

    @staticmethod
    def _size(doc: dict[str, Any]) -> int:
        return len(json.dumps(doc, ensure_ascii=False).encode("utf-8")) + 2

    def overflow(self, doc: dict[str, Any]) -> Batch | None:
        """The batch being filled, closed, when ``doc`` would take it past ``max_bytes``."""
        if self._open.records and self._bytes + self._size(doc) > self.max_bytes:
            return self.flush()
        return None

    def add(self, doc: dict[str, Any], cursor: dict[str, Any]) -> Batch | None:
        """Add one record (call :meth:`overflow` first); returns the batch when this filled it."""
        self._open.records.append(doc)
        self._open.cursor = cursor
        self._bytes += self._size(doc)
        return self.flush() if len(self._open.records) >= self.size else None

    def flush(self) -> Batch | None:
        """The batch being filled, if it holds anything."""
        if not self._open.records:
            return None
        full, self._open, self._bytes = self._open, self._new(), 0
        return full
