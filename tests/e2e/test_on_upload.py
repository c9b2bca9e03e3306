"""functions/on_upload end to end: FC runner -> handler -> real oss2 -> emulator IMG -> saved variants."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import requests

from ossimg_local.samples import sample_image

from .conftest import log_lines

EXPECTED = {  # demo rules on a 1600x1200 JPEG
    ("ossimg-variants", "thumbs/uploads/photos/cat.webp"): ((200, 200), "WEBP"),
    ("ossimg-uploads", "variants/large/uploads/photos/cat.jpg"): ((1024, 768), "JPEG"),
    ("ossimg-variants", "previews/uploads/photos/cat-preview.png"): ((320, 240), "PNG"),
}


class TestSuccess:
    """A matching upload becomes every variant its rule names, each logged, plus a summary."""

    @pytest.mark.parametrize("runtime", ["python3.10", "python3.12"])
    def test_documented_event_on_both_runtimes(self, cloud, load_event, runtime):
        invocation = cloud.runner(runtime).invoke(cloud.upload(load_event("oss-put.json")))
        assert invocation.ok, invocation.error
        for (bucket, key), expected in EXPECTED.items():
            assert cloud.image(bucket, key) == expected
        variants = [ln for ln in log_lines(invocation) if ln["msg"] == "variant"]
        assert [(v["variant"], v["status"]) for v in variants] == [("thumb", "ok"), ("large", "ok"), ("preview", "ok")]
        for line in variants:
            assert (
                line["file_size"] == cloud.bucket(line["target_bucket"]).head_object(line["target_key"]).content_length
            )
            assert line["request_id"] == invocation.request_id
            assert (line["bucket"], line["key"]) == ("ossimg-uploads", "uploads/photos/cat.jpg")
            assert line["duration_ms"] >= 0
            assert line["attempts"] == 1  # one IMG call, first try
        summary = log_lines(invocation)[-1]
        assert (summary["msg"], summary["outcome"], summary["ok"], summary["variants"]) == ("summary", "ok", 3, 3)
        assert json.loads(invocation.result)["ok"] == 3

    def test_every_record_of_a_multi_record_event(self, cloud, load_event):
        invocation = cloud.runner().invoke(cloud.upload(load_event("oss-multi-record.json")))
        summary = log_lines(invocation)[-1]
        assert (summary["records"], summary["variants"], summary["ok"]) == (3, 7, 7)
        assert cloud.image("ossimg-uploads", "variants/avatars/alice-64.jpg") == ((64, 64), "JPEG")

    def test_odd_keys(self, cloud, load_event):
        invocation = cloud.runner().invoke(cloud.upload(load_event("oss-odd-keys.json")))
        assert log_lines(invocation)[-1]["ok"] == 9
        assert cloud.image("ossimg-variants", "thumbs/uploads/100%/a+b=c.webp")[0] == (200, 200)
        assert cloud.image("ossimg-variants", "thumbs/uploads/猫/照片.webp")[0] == (200, 200)
        assert cloud.image("ossimg-variants", "thumbs/uploads/summer trip/day 1.webp")[0] == (200, 200)

    def test_eventbridge_form(self, cloud, load_event):
        event = load_event("eventbridge-put.json")
        cloud.upload({"events": [event["data"]]})  # uploads the object and fills in its size and ETag
        invocation = cloud.runner().invoke(json.dumps(event).encode())
        assert log_lines(invocation)[-1]["ok"] == 3

    def test_secrets_never_reach_the_logs(self, cloud, load_event):
        runner = cloud.runner("python3.12")
        invocation = runner.invoke(cloud.upload(load_event("oss-put.json")))
        creds = runner.credentials()
        assert creds.access_key_secret not in invocation.logs
        assert creds.security_token not in invocation.logs


class TestNothingToDo:
    """Uploads no rule wants, and events that are not completed uploads, are skipped with a reason."""

    def test_no_rule_matches(self, cloud, load_event):
        event = load_event("oss-put.json")
        event["events"][0]["oss"]["object"]["key"] = "elsewhere/x.jpg"
        invocation = cloud.runner().invoke(cloud.upload(event))
        skipped, summary = log_lines(invocation)
        assert (skipped["msg"], skipped["reason"]) == ("record skipped", "no rule matches the key")
        assert (summary["skipped"], summary["variants"], summary["outcome"]) == (1, 0, "ok")

    def test_an_output_is_never_processed_again(self, cloud, load_event):
        event = load_event("oss-put.json")
        event["events"][0]["oss"]["object"]["key"] = "variants/large/uploads/photos/cat.jpg"
        skipped = log_lines(cloud.runner().invoke(json.dumps(event).encode()))[0]
        assert skipped["level"] == "WARNING"
        assert skipped["reason"].startswith("the key looks like the output of variant 'large' of rule 'uploads/'")

    @pytest.mark.parametrize("name", ["ObjectRemoved:AbortMultipartUpload", "ObjectCreated:UploadPart"])
    def test_not_a_completed_upload(self, cloud, load_event, name):
        event = load_event("oss-put.json")
        event["events"][0]["eventName"] = name
        skipped = log_lines(cloud.runner().invoke(json.dumps(event).encode()))[0]
        assert skipped["reason"] == f"{name} is not a completed upload"


class TestFailures:
    """Permanent failures are logged with OSS's code and not retried; transient ones fail the invocation."""

    def test_missing_target_bucket_is_permanent(self, cloud, load_event):
        cloud.bucket("ossimg-variants").delete_bucket()
        invocation = cloud.runner().invoke(cloud.upload(load_event("oss-put.json")))
        assert invocation.ok  # retrying cannot create the bucket
        by_variant = {ln["variant"]: ln for ln in log_lines(invocation) if ln["msg"] == "variant"}
        assert by_variant["thumb"]["status"] == "failed-permanent"
        assert by_variant["thumb"]["error_code"] == "NoSuchBucket"
        assert by_variant["thumb"]["error_message"] == "The specified bucket does not exist."
        assert by_variant["large"]["status"] == "ok"  # one variant's failure does not stop the others
        assert log_lines(invocation)[-1]["outcome"] == "partial"

    def test_a_text_file_named_jpg_costs_no_img_call(self, cloud, load_event):
        invocation = cloud.runner().invoke(cloud.upload(load_event("oss-put.json"), b"just some notes, not a photo\n"))
        (skipped,) = log_lines(invocation)[:-1]
        assert skipped["msg"] == "record skipped"
        assert skipped["reason"].startswith("the object's first bytes are not an image OSS IMG reads")
        assert cloud.backend.faults.counts("process") == {}

    def test_a_browser_upload_without_content_type_is_processed(self, cloud, load_event):
        # A PUT to a presigned URL sends no Content-Type; OSS (and the emulator) then store
        # application/octet-stream, and the event says so.
        key = "uploads/photos/cat.jpg"
        url = cloud.bucket("ossimg-uploads").sign_url("PUT", key, 60)
        assert requests.put(url, data=sample_image(key), timeout=10).status_code == 200
        stored = cloud.bucket("ossimg-uploads").head_object(key)
        assert stored.content_type == "application/octet-stream"
        event = load_event("oss-put.json")
        obj = event["events"][0]["oss"]["object"]
        obj.update(eTag=stored.etag, size=stored.content_length, objectMeta={"mimeType": stored.content_type})
        invocation = cloud.runner().invoke(json.dumps(event).encode())
        assert [ln["status"] for ln in log_lines(invocation) if ln["msg"] == "variant"] == ["ok"] * 3

    @pytest.mark.parametrize("declared", ["application/octet-stream", "binary/octet-stream", ""])
    def test_an_image_stored_without_a_content_type_is_processed(self, cloud, load_event, declared):
        # OSS stores application/octet-stream for an upload that sent no Content-Type, whatever the key.
        event = load_event("oss-put.json")
        event["events"][0]["oss"]["object"]["objectMeta"] = {"mimeType": declared}
        invocation = cloud.runner().invoke(cloud.upload(event))
        assert [ln["status"] for ln in log_lines(invocation) if ln["msg"] == "variant"] == ["ok"] * 3

    def test_unreachable_oss_is_transient_and_retried_by_fc(self, cloud, load_event):
        spec = replace(cloud.spec, async_retries=2)
        runner = cloud.runner(spec=spec, OSSIMG_OSS_ENDPOINT="http://127.0.0.1:9")  # nothing listens on port 9
        event = cloud.upload(load_event("oss-put.json"))
        attempts = runner.invoke_async(event)
        assert [a.ok for a in attempts] == [False, False, False]
        assert attempts[-1].error_type == "TransientFailure"
        assert log_lines(attempts[-1])[-1]["outcome"] == "retry"
        (message,) = runner.failures  # the on-failure destination (template.yml's queue) gets it
        assert message["requestPayload"] == event.decode()
        assert message["requestContext"]["approximateInvokeCount"] == 3
        assert json.loads(message["responsePayload"])["errorType"] == "TransientFailure"


class TestMalformedEvents:
    """Each bad sample produces exactly one clear error line and a summary; never a retry."""

    @pytest.mark.parametrize(("name", "msg", "message"), [
        ("bad-not-json.json", "invalid event",
         "the event is not JSON (Expecting property name enclosed in double quotes: line 2 column 1 (char 55))."),
        ("bad-s3-shape.json", "invalid event",
         "not an OSS event: expected 'events', a CloudEvent or an OSS record (keys: Records)."),
        ("bad-missing-key.json", "invalid record",
         "record 0, field oss.object.key: must be a non-empty string, got None."),
    ])  # fmt: skip
    def test_bad_samples(self, cloud, root, name, msg, message):
        invocation = cloud.runner().invoke((root / "events" / name).read_bytes())
        assert invocation.ok
        error, summary = log_lines(invocation)
        assert (error["level"], error["msg"], error["error_message"], error["retry"]) == ("ERROR", msg, message, False)
        assert summary["invalid"] == 1

    def test_one_bad_record_is_logged_and_the_others_are_processed(self, cloud, load_event):
        event = json.loads(cloud.upload(load_event("oss-put.json")))
        good = event["events"][0]
        bad = json.loads(json.dumps(good))
        bad["oss"]["object"]["key"] = "uploads/\ud800.jpg"  # valid JSON ("\ud800"), not a valid OSS key
        invocation = cloud.runner().invoke(json.dumps({"events": [bad, good]}).encode())
        assert invocation.ok
        lines = log_lines(invocation)
        assert (lines[0]["msg"], lines[0]["record"], lines[0]["field"]) == ("invalid record", 0, "oss.object.key")
        assert [ln["status"] for ln in lines if ln["msg"] == "variant"] == ["ok"] * 3
        assert lines[-1]["outcome"] == "partial"
