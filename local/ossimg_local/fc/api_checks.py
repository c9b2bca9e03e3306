"""What FC's API refuses in what ``ossimg deploy`` sends: OSS trigger configs, OSS's limits on a
bucket's triggers, and asynchronous-invocation settings out of range.

Sources: FC's CreateTrigger reference (trigger names: letters, digits, ``-`` and ``_``, 1 to 128
characters, not starting with a digit or ``-``; ``sourceArn`` ``acs:oss:<region>:<account>:<bucket>``;
config ``{"events": [...], "filter": {"key": {"prefix", "suffix"}}}``); a malformed config is
``400 invalid OSS trigger config`` (Serverless-Devs/Serverless-Devs #421); two triggers of a bucket
whose prefixes and suffixes overlap for the same event are refused by OSS through FC: "event source
'oss' returned error: Cannot specify overlapping prefix and suffix with same event type."
(midwayjs/midway #744); at most 10 native triggers per bucket (platform-facts, "Triggers");
``MaxAsyncRetryAttempts`` 0 to 8 and ``MaxAsyncEventAgeInSeconds`` 1 to 2,592,000.

Readings where the documents are silent: the wording of the 11th trigger's refusal (OSS's answer
is not published; the message below names the limit), the error code of each refusal
(``InvalidArgument``, as FC's API reference lists for 400), and which event names count as one
(``oss:ObjectCreated:*`` overlaps every ``oss:ObjectCreated:…``).
"""

from __future__ import annotations

import re
from typing import Any

from ..triggers import filters_overlap

OSS_EVENTS = (
    {
        "oss:ObjectCreated:" + name
        for name in (
            "*",
            "PutObject",
            "PostObject",
            "CopyObject",
            "CompleteMultipartUpload",
            "AppendObject",
            "PutSymlink",
            "InitiateMultipartUpload",
            "UploadPart",
            "UploadPartCopy",
        )
    }
    | {"oss:ObjectRemoved:" + name for name in ("*", "DeleteObject", "DeleteObjects", "AbortMultipartUpload")}
    | {"oss:ObjectModified:UpdateObjectMeta"}
)
TRIGGERS_PER_BUCKET = 10
RETRIES = (0, 8)
EVENT_AGE = (1, 2_592_000)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
_SOURCE = re.compile(r"^acs:oss:(?P<region>[a-z0-9-]+):(?P<account>\d+):(?P<bucket>[a-z0-9][a-z0-9-]{1,61}[a-z0-9])$")
_ROLE = re.compile(r"^acs:ram::\d+:role/[A-Za-z0-9._-]+$")


class Refused(Exception):
    """FC's 400 answer: ErrorCode and message."""

    def __init__(self, message: str, code: str = "InvalidArgument") -> None:
        super().__init__(message)
        self.code, self.message = code, message


def check_trigger(doc: dict[str, Any], region: str, account: str) -> None:
    """Refuse an OSS trigger FC would not create. Raises Refused."""
    name = str(doc.get("triggerName", ""))
    if not _NAME.match(name):
        raise Refused(
            f"trigger name {name!r} is invalid: 1 to 128 letters, digits, '-' or '_', not starting with a digit or '-'"
        )
    if doc.get("triggerType") != "oss":
        raise Refused(f"trigger type {doc.get('triggerType')!r} is not served by the local FC API (only 'oss')")
    source = _SOURCE.match(str(doc.get("sourceArn") or ""))
    if source is None or source["region"] != region or source["account"] != account:
        raise Refused(f"sourceArn {doc.get('sourceArn')!r} is invalid: expected acs:oss:{region}:{account}:<bucket>")
    if not _ROLE.match(str(doc.get("invocationRole") or "")):
        raise Refused(
            f"invocationRole {doc.get('invocationRole')!r} is invalid: expected acs:ram::<account>:role/<name>"
        )
    check_config(doc.get("triggerConfig"))


def check_config(config: Any) -> None:
    """Refuse a malformed OSS trigger config, as FC does ("invalid OSS trigger config")."""
    invalid = Refused("invalid OSS trigger config.")
    if not isinstance(config, dict) or set(config) - {"events", "filter"}:
        raise invalid
    events = config.get("events")
    if not isinstance(events, list) or not events or any(e not in OSS_EVENTS for e in events):
        raise invalid
    key = (config.get("filter") or {}).get("key") if isinstance(config.get("filter"), dict) else None
    if set(config.get("filter") or {}) - {"key"} or not isinstance(key, dict) or set(key) - {"prefix", "suffix"}:
        raise invalid
    if not all(isinstance(key.get(part, ""), str) for part in ("prefix", "suffix")):
        raise invalid


def check_bucket(new: dict[str, Any], others: list[dict[str, Any]]) -> None:
    """Refuse a trigger that would be the 11th on its bucket, or whose filter overlaps another's."""
    same = [t for t in others if t.get("sourceArn") == new.get("sourceArn")]
    bucket = str(new.get("sourceArn", "")).rsplit(":", 1)[-1]
    if len(same) >= TRIGGERS_PER_BUCKET:
        raise Refused(
            f"event source 'oss' returned error: bucket {bucket} already has {TRIGGERS_PER_BUCKET} "
            "triggers, the most a bucket can have."
        )
    for other in same:
        if _overlap(new["triggerConfig"], other["triggerConfig"]):
            raise Refused(
                "event source 'oss' returned error: Cannot specify overlapping prefix and suffix with "
                f"same event type (trigger {other.get('triggerName')} of bucket {bucket})."
            )


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if not any(_same_event(x, y) for x in a["events"] for y in b["events"]):
        return False
    ka, kb = a["filter"]["key"], b["filter"]["key"]
    return filters_overlap((ka.get("prefix", ""), ka.get("suffix", "")), (kb.get("prefix", ""), kb.get("suffix", "")))


def _same_event(x: str, y: str) -> bool:
    gx, _, nx = x.rpartition(":")
    gy, _, ny = y.rpartition(":")
    return gx == gy and (nx == ny or "*" in (nx, ny))


def check_async(doc: dict[str, Any]) -> None:
    """Refuse asynchronous-invocation settings out of FC's ranges."""
    for field, (low, high) in (("maxAsyncRetryAttempts", RETRIES), ("maxAsyncEventAgeInSeconds", EVENT_AGE)):
        value = doc.get(field)
        if value is not None and (not isinstance(value, int) or not low <= value <= high):
            raise Refused(f"{field} must be an integer in [{low}, {high}], got {value!r}")
    stateful = doc.get("statefulInvocation")
    if stateful is not None and not isinstance(stateful, bool):
        raise Refused(f"statefulInvocation must be true or false, got {stateful!r}")
