"""FC OSS trigger events, from the exact samples in events/ and one-field mutations of them."""

from __future__ import annotations

import copy
import json

import pytest

from ossimg.errors import EventError
from ossimg.events import parse_event


class TestSamples:
    """Every sample shape yields every record, typed."""

    def test_documented_put_event(self, load_event):
        (record,) = parse_event(json.dumps(load_event("oss-put.json")).encode()).records
        assert (record.bucket, record.key, record.event_name) == (
            "ossimg-uploads", "uploads/photos/cat.jpg", "ObjectCreated:PutObject",
        )  # fmt: skip
        assert (record.size, record.etag, record.content_type) == (184211, "688A7BF4F233DC9C88A80BF985AB0AA1",
                                                                   "image/jpeg")  # fmt: skip
        assert (record.region, record.request_id) == ("cn-hangzhou", "58F9FF2D3DF792092E12044C")
        assert record.is_complete_upload

    @pytest.mark.parametrize(("declared", "content_type"), [
        ("application/octet-stream", None), ("binary/octet-stream", None), ("", None),
        ("Application/Octet-Stream", None), ("image/png", "image/png"), ("text/plain", "text/plain"),
    ])  # fmt: skip
    def test_generic_content_types_say_nothing(self, load_event, declared, content_type):
        event = load_event("oss-put.json")
        event["events"][0]["oss"]["object"]["objectMeta"] = {"mimeType": declared}
        assert parse_event(json.dumps(event)).records[0].content_type == content_type

    @pytest.mark.parametrize(("key", "message"), [
        ("uploads/\ud800.jpg", "is not valid UTF-8 (a lone surrogate)"),
        ("uploads/" + "k" * 1020, "the key is 1028 bytes; OSS keys have at most 1023"),
    ])  # fmt: skip
    def test_a_bad_key_spoils_only_its_own_record(self, load_event, key, message):
        event = load_event("oss-multi-record.json")
        event["events"][1]["oss"]["object"]["key"] = key
        parsed = parse_event(json.dumps(event))  # the lone surrogate is valid JSON: "\ud800"
        assert [r.position for r in parsed.records] == [0, 2]
        (error,) = parsed.errors
        assert (error.record, error.field) == (1, "oss.object.key")
        assert message in error.message

    def test_deep_nesting_is_an_invalid_event(self):
        with pytest.raises(EventError, match="nests too deeply"):
            parse_event("[" * 5000 + "]" * 5000)

    def test_every_record_of_a_multi_record_event(self, load_event):
        records = parse_event(load_event("oss-multi-record.json")).records
        assert [r.action for r in records] == ["PutObject", "PostObject", "CompleteMultipartUpload"]
        assert [r.position for r in records] == [0, 1, 2]

    def test_odd_keys_arrive_exactly_as_stored(self, load_event):
        keys = [r.key for r in parse_event(load_event("oss-odd-keys.json")).records]
        assert keys == ["uploads/summer trip/day 1.jpg", "uploads/猫/照片.jpg", "uploads/100%/a+b=c.jpg"]

    def test_eventbridge_cloud_event(self, load_event):
        (record,) = parse_event(load_event("eventbridge-put.json")).records
        assert (record.key, record.event_name) == ("uploads/photos/dog.jpg", "ObjectCreated:PostObject")

    def test_batch_of_cloud_events_and_raw_records(self, load_event):
        cloud = load_event("eventbridge-put.json")
        raw = load_event("oss-put.json")["events"][0]
        assert len(parse_event([cloud, cloud, raw]).records) == 3

    def test_cloud_event_type_supplies_a_missing_event_name(self, load_event):
        cloud = load_event("eventbridge-put.json")
        del cloud["data"]["eventName"]
        assert parse_event(cloud).records[0].event_name == "ObjectCreated:PostObject"

    @pytest.mark.parametrize(("name", "complete"), [
        ("ObjectCreated:PutObject", True), ("ObjectCreated:CompleteMultipartUpload", True),
        ("ObjectCreated:AppendObject", True), ("ObjectCreated:UploadPart", False),
        ("ObjectCreated:InitiateMultipartUpload", False), ("ObjectRemoved:DeleteObject", False),
    ])  # fmt: skip
    def test_which_events_are_completed_uploads(self, load_event, name, complete):
        event = load_event("oss-put.json")
        event["events"][0]["eventName"] = name
        assert parse_event(event).records[0].is_complete_upload is complete


class TestMalformedEnvelopes:
    """An unreadable event raises EventError saying what is wrong."""

    @pytest.mark.parametrize(("raw", "message"), [
        (b"", "empty"),
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[]", "empty list"),
        (b"42", "JSON int"),
        (b'{"events": []}', "non-empty list"),
        (b'{"events": {}}', "non-empty list"),
        (b'{"Records": []}', "not an OSS event"),
    ])  # fmt: skip
    def test_envelope(self, raw, message):
        with pytest.raises(EventError, match=message):
            parse_event(raw)

    def test_sample_bad_files(self, root):
        for name in ("bad-not-json.json", "bad-s3-shape.json"):
            with pytest.raises(EventError):
                parse_event((root / "events" / name).read_bytes())


class TestMalformedRecords:
    """A broken record is reported with its index and field; its siblings still parse."""

    @pytest.mark.parametrize(("path", "value", "field"), [
        (("eventName",), None, "eventName"),
        (("eventName",), "", "eventName"),
        (("eventSource",), "aws:s3", "eventSource"),
        (("oss",), "nope", "oss"),
        (("oss", "bucket", "name"), 7, "oss.bucket.name"),
        (("oss", "object", "key"), "", "oss.object.key"),
        (("oss", "object", "size"), -1, "oss.object.size"),
        (("oss", "object", "size"), "12", "oss.object.size"),
    ])  # fmt: skip
    def test_one_field_mutated(self, load_event, path, value, field):
        event = load_event("oss-multi-record.json")
        broken = event["events"][1]
        node = broken
        for name in path[:-1]:
            node = node[name]
        node[path[-1]] = value
        parsed = parse_event(event)
        assert [r.position for r in parsed.records] == [0, 2]
        (error,) = parsed.errors
        assert (error.record, error.field) == (1, field)
        assert error.message.startswith(f"record 1, field {field}:")

    def test_record_that_is_not_an_object(self, load_event):
        event = load_event("oss-put.json")
        event["events"].append("just a string")
        parsed = parse_event(event)
        assert len(parsed.records) == 1
        assert parsed.errors[0].record == 1

    def test_cloud_event_without_data(self, load_event):
        cloud = copy.deepcopy(load_event("eventbridge-put.json"))
        del cloud["data"]
        assert parse_event(cloud).errors[0].field == "data"
