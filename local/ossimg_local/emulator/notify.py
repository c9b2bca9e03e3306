"""OSS event notifications: each object write or delete becomes an FC OSS trigger event.

The store calls :meth:`Notifier.on_object` after every change; events that a subscription wants
(bucket, event name, key prefix and suffix, as an OSS trigger filters them) are queued and handed
to its callback on a background thread, asynchronously, as OSS delivers to FC. A callback only hands
the event over (``ossimg up``'s put it in the function's asynchronous queue, whose instances run
several events at once), so one delivery thread keeps order without serialising the work.

Whether OSS emits an event for ``sys/saveas`` outputs is undocumented (platform-facts §0.4); the
emulator emits ``ObjectCreated:PutObject`` for them, the pessimistic choice that lets loop
protection be tested.
"""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..triggers import trigger_matches
from .model import BucketInfo, ObjectInfo

Deliver = Callable[[bytes], None]


@dataclass(frozen=True)
class Subscription:
    """Which events go to ``deliver``: ``events`` are names such as ``oss:ObjectCreated:PutObject``."""

    bucket: str
    events: tuple[str, ...]
    deliver: Deliver
    prefix: str = ""
    suffix: str = ""

    def wants(self, bucket: str, event_name: str, key: str) -> bool:
        """Would OSS deliver this event to this subscription?"""
        return trigger_matches(self.bucket, self.events, self.prefix, self.suffix, bucket, event_name, key)


def event_json(event_name: str, bucket: BucketInfo, info: ObjectInfo, account: str = "1234567890123456") -> bytes:
    """The FC OSS trigger event for one change (oss-img-spec §6.1)."""
    record = {
        "eventName": event_name,
        "eventSource": "acs:oss",
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "eventVersion": "1.0",
        "oss": {
            "bucket": {
                "arn": f"acs:oss:{bucket.region}:{account}:{bucket.name}",
                "name": bucket.name,
                "ownerIdentity": account,
                "virtualBucket": "",
            },
            "object": {
                "deltaSize": info.size,
                "eTag": info.etag,
                "key": info.key,
                "size": info.size,
                "objectMeta": {"mimeType": info.content_type},
            },
            "ossSchemaVersion": "1.0",
            "ruleId": "emulator",
        },
        "region": bucket.region,
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"requestId": secrets.token_hex(12).upper()},
        "userIdentity": {"principalId": account},
    }
    return json.dumps({"events": [record]}, ensure_ascii=False).encode("utf-8")


class Notifier:
    """Matches changes against subscriptions and delivers them from one background thread, in order."""

    def __init__(self) -> None:
        self.subscriptions: list[Subscription] = []
        self._queue: queue.Queue[tuple[Deliver, bytes] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="oss-notifications", daemon=True)
        self._thread.start()

    def subscribe(self, subscription: Subscription) -> None:
        """Start delivering what ``subscription`` wants."""
        self.subscriptions.append(subscription)

    def on_object(self, event_name: str, bucket: BucketInfo, info: ObjectInfo) -> None:
        """The store's listener: queue the event for every subscription that wants it."""
        for sub in self.subscriptions:
            if sub.wants(bucket.name, event_name, info.key):
                self._queue.put((sub.deliver, event_json(event_name, bucket, info)))

    def drain(self, timeout: float = 30) -> bool:
        """Wait until every queued event was delivered; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        """Stop the delivery thread after what is queued."""
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                deliver, body = item
                deliver(body)
            finally:
                self._queue.task_done()
