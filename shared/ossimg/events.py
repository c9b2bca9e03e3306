"""FC OSS trigger events, typed once at the edge.

Accepted shapes (oss-img-spec §6.1-6.2): the native trigger's ``{"events": [...]}``; an
EventBridge CloudEvent ``{"specversion", "type", "data": {...}}`` or a list of them (FC 3.0
``event-streaming`` batches); and a bare record (``RawData`` delivery). Every record is read,
never only the first; a malformed record is reported on its own and does not hide the others.

Why plain named tuples and not pydantic (or even dataclasses) here: this runs on every cold start
before anything else; a few dict reads cost microseconds where a model costs milliseconds of import
and schema build, and a NamedTuple class is built several times faster than a dataclass.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from .errors import EventError
from .img.formats import GENERIC_CONTENT_TYPES
from .rules.keys import MAX_KEY_BYTES

# Multipart uploads fire these too; the object is not complete yet (platform-facts §0.2).
PARTIAL_UPLOAD_EVENTS = frozenset({"InitiateMultipartUpload", "UploadPart", "UploadPartCopy"})


class ObjectEvent(NamedTuple):
    """One OSS object notification: which object, what happened, what the event says about it."""

    event_name: str
    bucket: str
    key: str
    region: str = ""
    size: int | None = None
    etag: str | None = None
    content_type: str | None = None
    event_time: str = ""
    request_id: str = ""
    position: int = 0  # the record's place in the event (``index`` would shadow tuple.index)

    @property
    def kind(self) -> str:
        """``ObjectCreated``, ``ObjectRemoved``, … (the part before the colon)."""
        return self.event_name.partition(":")[0]

    @property
    def action(self) -> str:
        """``PutObject``, ``CompleteMultipartUpload``, … (the part after the colon)."""
        return self.event_name.partition(":")[2]

    @property
    def is_complete_upload(self) -> bool:
        """An object was created and is whole (not a multipart step)."""
        return self.kind == "ObjectCreated" and self.action not in PARTIAL_UPLOAD_EVENTS


class ParsedEvent:
    """The records an invocation carried, and the ones that could not be read."""

    def __init__(self, records: list[ObjectEvent] | None = None, errors: list[EventError] | None = None) -> None:
        self.records = records if records is not None else []
        self.errors = errors if errors is not None else []


def parse_event(raw: bytes | str | dict[str, Any] | list[Any]) -> ParsedEvent:
    """Read an FC event (bytes on the Python 3 runtime). Raises EventError for an unreadable envelope."""
    doc = _load(raw)
    items = _records(doc)
    parsed = ParsedEvent()
    for index, item in enumerate(items):
        try:
            parsed.records.append(_record(item, index))
        except EventError as error:
            parsed.errors.append(error)
        except Exception as exc:  # whatever is wrong with one record, the others are still processed
            parsed.errors.append(EventError(f"the record cannot be read ({type(exc).__name__}).", record=index))
    return parsed


def _load(raw: bytes | str | dict[str, Any] | list[Any]) -> Any:
    if isinstance(raw, (dict, list)):
        return raw
    if not raw:
        raise EventError("the event is empty.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventError(f"the event is not JSON ({exc}).") from None
    except RecursionError:
        raise EventError("the event nests too deeply to be an OSS event.") from None


def _records(doc: Any) -> list[Any]:
    if isinstance(doc, list):
        if not doc:
            raise EventError("the event is an empty list.")
        return doc
    if not isinstance(doc, dict):
        raise EventError(f"the event is a JSON {type(doc).__name__}, not an object.")
    if "events" in doc:
        events = doc["events"]
        if not isinstance(events, list) or not events:
            raise EventError("'events' must be a non-empty list.", field="events")
        return events
    if "specversion" in doc or "oss" in doc:
        return [doc]
    keys = ", ".join(sorted(doc)[:6]) or "none"
    raise EventError(f"not an OSS event: expected 'events', a CloudEvent or an OSS record (keys: {keys}).")


def _record(item: Any, index: int) -> ObjectEvent:
    if not isinstance(item, dict):
        raise EventError(f"a record must be an object, got {type(item).__name__}.", record=index)
    if "specversion" in item:
        data = item.get("data")
        if not isinstance(data, dict):
            raise EventError("the CloudEvent has no 'data' object.", record=index, field="data")
        name = data.get("eventName") or str(item.get("type", "")).removeprefix("oss:")
        return _from_record({**data, "eventName": name}, index, item.get("aliyunregionid", ""))
    return _from_record(item, index, "")


def _from_record(rec: dict[str, Any], index: int, region: str) -> ObjectEvent:
    name = _text(rec, ("eventName",), index)
    source = rec.get("eventSource", "acs:oss")
    if source != "acs:oss":
        raise EventError(f"eventSource is {source!r}, not 'acs:oss'.", record=index, field="eventSource")
    obj = _mapping(rec, ("oss", "object"), index)
    size = obj.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise EventError(f"size must be a non-negative integer, got {size!r}.", record=index, field="oss.object.size")
    meta = obj.get("objectMeta")
    etag = _optional(obj, "eTag").strip('"').upper()
    if etag and not etag.replace("-", "").isalnum():
        raise EventError(f"eTag must be a hex digest, got {etag[:40]!r}.", record=index, field="oss.object.eTag")
    return ObjectEvent(
        event_name=name,
        bucket=_text(rec, ("oss", "bucket", "name"), index),
        # OSS sends the key as plain UTF-8 (not URL-encoded as S3 does); no source says otherwise,
        # and decoding would corrupt keys with a literal '%'. The one place a key is read.
        key=_key(_text(rec, ("oss", "object", "key"), index), index),
        region=_optional(rec, "region") or region,
        size=size,
        etag=etag or None,
        content_type=_content_type(_optional(meta, "mimeType")),
        event_time=_optional(rec, "eventTime"),
        request_id=_optional(rec.get("responseElements"), "requestId"),
        position=index,
    )


def _key(key: str, index: int) -> str:
    """An object key as OSS allows it: UTF-8, 1 to 1023 bytes."""
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise EventError(
            f"the key {key!r} is not valid UTF-8 (a lone surrogate).", record=index, field="oss.object.key"
        ) from None
    if size > MAX_KEY_BYTES:
        raise EventError(
            f"the key is {size} bytes; OSS keys have at most {MAX_KEY_BYTES}.", record=index, field="oss.object.key"
        )
    return key


def _content_type(declared: str) -> str | None:
    """The declared type, or None when it says nothing about the bytes (OSS stores
    ``application/octet-stream`` for an upload that sent no type, whatever its key)."""
    return None if declared.strip().lower() in GENERIC_CONTENT_TYPES else declared


def _optional(parent: Any, name: str) -> str:
    """An optional text field; anything else (absent, null, a number, an object) reads as empty."""
    value = parent.get(name) if isinstance(parent, dict) else None
    return value if isinstance(value, str) else ""


def _mapping(rec: dict[str, Any], path: tuple[str, ...], index: int) -> dict[str, Any]:
    node: Any = rec
    for depth, name in enumerate(path):
        node = node.get(name) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            raise EventError("missing or not an object.", record=index, field=".".join(path[: depth + 1]))
    return node  # type: ignore[no-any-return]


def _text(rec: dict[str, Any], path: tuple[str, ...], index: int) -> str:
    parent = _mapping(rec, path[:-1], index) if len(path) > 1 else rec
    value = parent.get(path[-1])
    if not isinstance(value, str) or not value:
        raise EventError(f"must be a non-empty string, got {value!r}.", record=index, field=".".join(path))
    return value
