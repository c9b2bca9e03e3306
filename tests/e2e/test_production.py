"""The handler in production shape: pre-flight skips, lineage, retries, initializer, lean cold start."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
import urllib3
from PIL import Image

from ossimg.errors import OssCallError
from ossimg.img.saveas import process_with_saveas
from ossimg.oss import Oss2Client
from ossimg.settings import Credentials
from ossimg_local.emulator.faults import FaultRule

from .conftest import AK, ROOT, SK, log_lines


def one(cloud, load_event, *, key="uploads/photos/cat.jpg", data=None, **fields):
    event = load_event("oss-put.json")
    record = event["events"][0]
    record["oss"]["object"]["key"] = key
    body = cloud.upload(event, data)
    if fields:
        doc = json.loads(body)
        doc["events"][0]["oss"]["object"].update(fields)
        body = json.dumps(doc).encode()
    return body


def png(size):
    buf = io.BytesIO()
    Image.new("1", size).save(buf, "PNG")
    return buf.getvalue()


class TestPreflight:
    """What OSS IMG would refuse costs no IMG call: skipped, with the reason in the log."""

    @pytest.mark.parametrize(("key", "data", "fields", "reason"), [
        pytest.param("uploads/huge.jpg", None, {"size": 25 * 1024 * 1024}, "OSS IMG reads at most", id="over-20-MB"),
        pytest.param("uploads/doc.pdf", b"%PDF", {"objectMeta": {"mimeType": "application/pdf"}}, "is not an image",
                     id="content-type"),
        pytest.param("uploads/notes.txt", b"text", {"objectMeta": None}, "first bytes are not an image", id="bytes"),
        pytest.param("uploads/a.jpg", b"text", {"objectMeta": {"mimeType": "image/jpeg"}},
                     "first bytes are not an image", id="bytes-beat-declared-type-and-suffix"),
        pytest.param("uploads/bomb.png", png((30001, 2)), {}, "at most 30000 pixels a side", id="pixel-side"),
        pytest.param("uploads/mega.png", png((16000, 16000)), {}, "at most 250000000 pixels", id="pixel-count"),
    ])  # fmt: skip
    def test_skipped_without_an_img_call(self, cloud, load_event, key, data, fields, reason):
        event = one(cloud, load_event, key=key, data=data, **fields)
        invocation = cloud.runner().invoke(event)
        (skipped, summary) = log_lines(invocation)
        assert skipped["msg"] == "record skipped"
        assert reason in skipped["reason"]
        assert summary["variants"] == 0
        assert cloud.backend.faults.counts("process") == {}

    def test_the_suffix_decides_only_when_the_bytes_cannot_be_read(self, cloud, load_event):
        cloud.backend.faults.reset([FaultRule.parse("get:1:error:403:AccessDenied")])
        (unread, skipped, _) = log_lines(
            cloud.runner().invoke(one(cloud, load_event, key="uploads/notes.txt", data=b"x"))
        )
        assert (unread["level"], unread["error_code"]) == ("WARNING", "AccessDenied")
        assert "suffix .txt is not an image format OSS IMG reads, and its bytes could not be read" in skipped["reason"]
        assert cloud.backend.faults.counts("process") == {}

    def test_an_object_deleted_before_the_event_arrives(self, cloud, load_event):
        event = one(cloud, load_event)
        cloud.bucket("ossimg-uploads").delete_object("uploads/photos/cat.jpg")
        skipped = log_lines(cloud.runner().invoke(event))[0]
        assert skipped["reason"] == "the object no longer exists"


class TestLineage:
    """Outputs record what made them; only what changed is made again."""

    def test_outputs_carry_their_lineage(self, cloud, load_event):
        cloud.runner().invoke(one(cloud, load_event))
        head = cloud.bucket("ossimg-variants").head_object("thumbs/uploads/photos/cat.webp")
        assert head.headers["x-oss-meta-ossimg-lineage"].startswith(
            cloud.bucket("ossimg-uploads").head_object("uploads/photos/cat.jpg").etag + ":"
        )
        assert head.content_type == "image/webp"  # the copy that adds lineage keeps the type

    def test_a_new_version_of_the_source_is_processed_again(self, cloud, load_event):
        runner = cloud.runner()
        runner.invoke(one(cloud, load_event))
        again = one(cloud, load_event, data=b"".join([png((80, 60))]))  # new bytes, new ETag
        summary = json.loads(runner.invoke(again).result)
        assert (summary["ok"], summary["up_to_date"]) == (3, 0)
        assert cloud.backend.faults.count("process", "ossimg-uploads", "uploads/photos/cat.jpg") == 6

    def test_editing_one_variant_redoes_that_variant_only(self, cloud, load_event, tmp_path):
        event = one(cloud, load_event)
        cloud.runner().invoke(event)
        edited = tmp_path / "rules.yaml"
        edited.write_text(cloud.rules.read_text().replace("m: fill, w: 200, h: 200", "m: fill, w: 100, h: 100"))
        summary = json.loads(cloud.runner(OSSIMG_RULES=str(edited)).invoke(event).result)
        assert (summary["ok"], summary["up_to_date"]) == (1, 2)
        assert cloud.image("ossimg-variants", "thumbs/uploads/photos/cat.webp")[0] == (100, 100)


class TestRetries:
    """Transient failures are retried inside the invocation; permanent ones are not."""

    def test_transient_failures_are_retried_in_place(self, cloud, load_event):
        # The three variants' IMG calls share one target, so which of them a fault hits depends on
        # thread timing. Seed 10 hits 3 calls before the third success, fewer than the 5 tries any
        # one variant has, so every interleaving ends ok. (Seed 3 hit 5, and failed now and then.)
        cloud.backend.faults.reset([FaultRule.parse("process:0.5:error:503:ServerBusy")], seed=10)
        invocation = cloud.runner().invoke(one(cloud, load_event))
        variants = [ln for ln in log_lines(invocation) if ln["msg"] == "variant"]
        assert [v["status"] for v in variants] == ["ok", "ok", "ok"]
        assert cloud.backend.faults.injected("process") == 3

    def test_permanent_failures_are_not_retried(self, cloud, load_event):
        cloud.backend.faults.reset([FaultRule.parse("process:1:error:403:AccessDenied")])
        invocation = cloud.runner().invoke(one(cloud, load_event))
        assert invocation.ok
        variants = [ln for ln in log_lines(invocation) if ln["msg"] == "variant"]
        assert {(v["status"], v["error_code"]) for v in variants} == {("failed-permanent", "AccessDenied")}
        assert cloud.backend.faults.seen("process") == 3  # one try each

    def test_a_dropped_connection_is_transient(self, cloud, load_event):
        cloud.backend.faults.reset([FaultRule.parse("process:1:drop")])
        invocation = cloud.runner().invoke(one(cloud, load_event))
        assert invocation.error_type == "TransientFailure"
        assert {ln["error_code"] for ln in log_lines(invocation) if ln["msg"] == "variant"} == {"ConnectionError"}


def test_the_initializer_runs_once_and_warms_the_instance(cloud, load_event):
    runner = cloud.runner()
    first = runner.invoke(one(cloud, load_event))
    second = runner.invoke(one(cloud, load_event, key="uploads/photos/dog.jpg"))
    assert first.ok
    assert second.ok
    assert first.instance_id == second.instance_id
    # The initializer loads the rules before the first event, in FC's Initialize block, once.
    lines = first.logs.splitlines()
    assert lines[0].startswith("FC Initialize Start RequestId: ")
    assert json.loads(lines[1])["msg"] == "rules loaded"
    assert lines[2].startswith("FC Initialize End RequestId: ")
    assert lines[3] == f"FC Invoke Start RequestId: {first.request_id}"
    assert "Initialize" not in second.logs
    assert '"rules loaded"' not in second.logs


def test_the_initializer_and_a_non_matching_event_never_import_oss2(cloud, root):
    script = (
        "import sys, json, types; sys.path.insert(0, 'functions/on_upload'); import index;"
        "ctx = types.SimpleNamespace(request_id='r', region='cn-hangzhou', function=types.SimpleNamespace(timeout=9),"
        " credentials=types.SimpleNamespace(access_key_id='a', access_key_secret='b', security_token=''));"
        "event = json.dumps({'events': [{'eventName': 'ObjectCreated:PutObject',"
        " 'oss': {'bucket': {'name': 'ossimg-uploads'}, 'object': {'key': 'elsewhere/x.jpg'}}}]}).encode();"
        "index.initialize(ctx); print(index.handler(event, ctx)); print('oss2' in sys.modules)"
    )
    env = {"OSSIMG_OSS_ENDPOINT": cloud.endpoint, "OSSIMG_RULES": str(root / "rules" / "example.yaml"),
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "False"


def test_an_event_without_an_etag_still_gets_lineage(cloud, load_event):
    event = json.loads(one(cloud, load_event))
    del event["events"][0]["oss"]["object"]["eTag"]
    runner = cloud.runner()
    runner.invoke(json.dumps(event).encode())
    again = json.loads(runner.invoke(json.dumps(event).encode()).result)
    assert (again["ok"], again["up_to_date"]) == (0, 3)


@pytest.mark.parametrize(("from_env", "reachable"), [(False, True), (True, False)])
def test_the_proxy_variables_are_read_only_when_asked(cloud, monkeypatch, from_env, reachable):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = Oss2Client(cloud.endpoint, "cn-hangzhou", Credentials(AK, SK), proxy_from_env=from_env)
    if reachable:
        assert client.user_meta("ossimg-uploads", "absent.jpg") is None
    else:
        with pytest.raises(OssCallError) as exc:
            client.user_meta("ossimg-uploads", "absent.jpg")
        assert exc.value.transient


def test_one_connection_carries_a_whole_first_delivery_in_turn(cloud, monkeypatch):
    """Each answer hands its connection back: oss2 leaves unread the bodies it does not parse (a
    HEAD, a DELETE, a copy's XML), and waitress used to close the connection after a 204."""
    cloud.upload({"events": [{"oss": {"bucket": {"name": "ossimg-uploads"}, "object": {"key": "uploads/a.jpg"}}}]})
    client = Oss2Client(cloud.endpoint, "cn-hangzhou", Credentials(AK, SK))
    out = "ossimg-variants"
    connects = []
    tcp_connect = urllib3.connection.HTTPConnection.connect
    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", lambda c: connects.append(1) or tcp_connect(c))
    # The requests of a first delivery, one after another: pre-flight, claim, lineage, IMG, lineage, release.
    client.get_head("ossimg-uploads", "uploads/a.jpg", 64)
    assert client.put_marker(out, ".ossimg/claims/a", {"k": "v"}, exclusive=True)
    assert not client.put_marker(out, ".ossimg/claims/a", {"k": "v"}, exclusive=True)  # 409
    assert client.user_meta(out, "a.webp") is None  # a HEAD answered 404
    client.process_object("ossimg-uploads", "uploads/a.jpg", process_with_saveas("image/format,webp", "a.webp", out))
    client.replace_meta(out, "a.webp", "image/webp", {"lineage": "x"})
    assert client.user_meta(out, "a.webp") == {"lineage": "x"}  # a HEAD answered 200
    client.delete_object(out, ".ossimg/claims/a")  # a 204
    client.head_object("ossimg-uploads", "uploads/a.jpg")
    assert len(connects) == 1


def test_a_first_delivery_never_reads_the_systems_mime_tables(cloud, load_event):
    """oss2 guesses a PUT's type from the key with ``mimetypes`` unless one is given, and its first
    guess reads the system's type tables: 13 ms of a cold start. The claim names its type."""
    event = one(cloud, load_event)
    script = (
        "import sys, json, mimetypes, types; sys.path.insert(0, 'functions/on_upload'); import index;"
        "ctx = types.SimpleNamespace(request_id='r', region='cn-hangzhou', function=types.SimpleNamespace(timeout=30),"
        f" credentials=types.SimpleNamespace(access_key_id={AK!r}, access_key_secret={SK!r}, security_token=''));"
        f"index.initialize(ctx); print(json.loads(index.handler({event!r}, ctx))['ok']); print(mimetypes.inited)"
    )
    env = {"OSSIMG_OSS_ENDPOINT": cloud.endpoint, "OSSIMG_RULES": str(ROOT / "rules" / "example.yaml"),
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-2:] == ["3", "False"]
