"""Where a backfill's objects come from: a bucket listing, read a page at a time, never all at once.

Each entry comes with the cursor that resumes *after* it, so a checkpoint can say where to start
again. The listing is ListObjects (v1) with ``marker``: keys come back in lexicographic order, so
the last key handed out is a complete position. ``--since`` / ``--until`` filter on Last-Modified.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterator
from typing import Any, NamedTuple, Protocol

PAGE = 1000  # ListObjects' largest page


class Entry(NamedTuple):
    """One stored object, as a listing or an inventory row describes it."""

    bucket: str
    key: str
    size: int | None = None
    etag: str | None = None
    modified: float | None = None  # seconds since the epoch (Last-Modified)


class Source(Protocol):
    """A stream of entries that can be resumed from a cursor."""

    def describe(self) -> dict[str, Any]:
        """What this source is (a checkpoint refuses to resume a different one)."""
        ...

    def entries(self, cursor: dict[str, Any] | None) -> Iterator[tuple[Entry, dict[str, Any]]]:
        """Every entry after ``cursor`` (None: from the start), each with the cursor after it."""
        ...

    def fraction(self) -> float | None:
        """How much of the source was read (0 to 1), when it can tell; for the ETA."""
        ...


class Window(NamedTuple):
    """``--since`` / ``--until`` on Last-Modified (seconds since the epoch; None: open)."""

    since: float | None = None
    until: float | None = None

    def admits(self, modified: float | None) -> bool:
        """Is an object last modified at ``modified`` inside the window? (Unknown times are.)"""
        if modified is None:
            return True
        return (self.since is None or modified >= self.since) and (self.until is None or modified < self.until)


class Listing:
    """The objects of ``bucket`` under ``prefix``, in key order, a page (1,000 keys) at a time."""

    def __init__(self, bucket: Any, prefix: str = "", page: int = PAGE) -> None:
        self._bucket = bucket  # an oss2.Bucket
        self.prefix = prefix
        self._page = page
        self._done = False

    def describe(self) -> dict[str, Any]:
        """See :class:`Source`."""
        return {"kind": "listing", "bucket": self._bucket.bucket_name, "prefix": self.prefix}

    def entries(self, cursor: dict[str, Any] | None) -> Iterator[tuple[Entry, dict[str, Any]]]:
        """See :class:`Source`."""
        marker = str((cursor or {}).get("after", ""))
        while True:
            page = self._bucket.list_objects(prefix=self.prefix, marker=marker, max_keys=self._page)
            for info in page.object_list:
                entry = Entry(self._bucket.bucket_name, info.key, info.size, info.etag, float(info.last_modified))
                yield entry, {"after": info.key}
            if not page.is_truncated:
                self._done = True
                return
            marker = page.next_marker

    def fraction(self) -> float | None:
        """See :class:`Source`: a listing cannot tell how much is left until it ends."""
        return 1.0 if self._done else None


_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})[:-](\d{2})(?:[:-](\d{2}))?(?:\.\d+)?)?(Z|[+-]00:?00)?$")


def parse_time(text: str) -> float:
    """Seconds since the epoch for an ISO 8601 UTC time or date (``2024-05-01``, ``2024-05-01T08:00:00Z``,
    ``2024-05-01T08:00:00.000Z``), or the ``2020-05-17T16-00Z`` form OSS uses in inventory folder names.
    Raises ValueError naming the text."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a UTC time such as 2024-05-01 or 2024-05-01T08:00:00Z")
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups()[:6])
    return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)))


def iso(seconds: float) -> str:
    """``2024-05-01T08:00:00.000Z``: how OSS events write times."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(seconds))
