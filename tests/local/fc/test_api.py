"""The local FC API refuses what FC refuses in what deploy sends, through the real fc2 client: malformed
OSS trigger configs, an 11th trigger on a bucket, overlapping filters, async settings out of range;
and it keeps async settings as FC 2.0 does."""

from __future__ import annotations

import fc2
import pytest
from fc2.fc_exceptions import FcError

from ossimg_local.fc.api import FcApi
from ossimg_local.serving import ThreadedServer

AK, SK, ACCOUNT = "LTAI-fc", "fc-secret", "1234567890123456"
ROLE = f"acs:ram::{ACCOUNT}:role/ossimg-oss-invoke"
BUCKET = f"acs:oss:cn-hangzhou:{ACCOUNT}:ossimg-uploads"
EVENTS = ["oss:ObjectCreated:PutObject"]


@pytest.fixture(name="client")
def _client(tmp_path):
    api = FcApi(AK, SK, tmp_path, lambda: None, account_id=ACCOUNT)
    with ThreadedServer(api) as server:
        client = fc2.Client(endpoint=server.endpoint, accessKeyID=AK, accessKeySecret=SK)
        client.create_service("svc", role=f"acs:ram::{ACCOUNT}:role/ossimg-fc")
        (tmp_path / "code").mkdir()
        (tmp_path / "code" / "index.py").write_text("def handler(event, context):\n    return 'ok'\n")
        client.create_function("svc", "fn", "python3.10", "index.handler", codeDir=str(tmp_path / "code"))
        yield client
    api.close()


def config(prefix="uploads/", suffix="", events=EVENTS):
    return {"events": list(events), "filter": {"key": {"prefix": prefix, "suffix": suffix}}}


def refused(call, *args, **kwargs):
    with pytest.raises(FcError) as failed:
        call(*args, **kwargs)
    assert (failed.value.status_code, failed.value.err_code) == (400, "InvalidArgument")
    import json

    return json.loads(failed.value.message)["ErrorMessage"]


@pytest.mark.parametrize(
    "bad",
    [
        {"events": ["oss:ObjectCreated:PutObjekt"], "filter": {"key": {"prefix": "", "suffix": ""}}},  # a typo
        {"events": [], "filter": {"key": {"prefix": "", "suffix": ""}}},  # no event
        {"events": EVENTS, "filter": {"Key": {"Prefix": "uploads/"}}},  # the template's spelling, not the API's
        {"events": EVENTS, "filter": {"key": {"prefix": 3}}},  # not a string
        {"events": EVENTS, "filter": {"key": {}}, "extra": 1},  # a field FC does not know
    ],
)
def test_a_malformed_oss_trigger_config_is_refused(client, bad):
    assert refused(client.create_trigger, "svc", "fn", "t", "oss", bad, BUCKET, ROLE) == "invalid OSS trigger config."


@pytest.mark.parametrize(
    ("name", "source", "role", "message"),
    [
        ("9lives", BUCKET, ROLE, "trigger name '9lives' is invalid"),
        ("t", "acs:oss:cn-hangzhou:123456789:ossimg-uploads", ROLE, "sourceArn"),  # someone else's account
        ("t", "acs:oss:cn-beijing:" + ACCOUNT + ":ossimg-uploads", ROLE, "sourceArn"),  # another region
        ("t", BUCKET, "ossimg-oss-invoke", "invocationRole"),  # a role name, not an ARN
    ],
)
def test_names_sources_and_roles_are_checked(client, name, source, role, message):
    assert message in refused(client.create_trigger, "svc", "fn", name, "oss", config(), source, role)


def test_an_eleventh_trigger_on_a_bucket_is_refused(client):
    for n in range(10):
        client.create_trigger("svc", "fn", f"t{n}", "oss", config(f"p{n}/"), BUCKET, ROLE)
    message = refused(client.create_trigger, "svc", "fn", "t10", "oss", config("p10/"), BUCKET, ROLE)
    assert message.startswith("event source 'oss' returned error: bucket ossimg-uploads already has 10 triggers")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (config("uploads/"), config("uploads/photos/")),  # one prefix inside the other
        (config("", ".jpg"), config("a/", "photo.jpg")),  # suffixes overlap too
        (config("x/", events=["oss:ObjectCreated:*"]), config("x/", events=["oss:ObjectCreated:PostObject"])),
    ],
)
def test_overlapping_filters_for_the_same_event_are_refused(client, first, second):
    client.create_trigger("svc", "fn", "first", "oss", first, BUCKET, ROLE)
    message = refused(client.create_trigger, "svc", "fn", "second", "oss", second, BUCKET, ROLE)
    assert message.startswith("event source 'oss' returned error: Cannot specify overlapping prefix and suffix")


def test_filters_that_do_not_overlap_are_accepted(client):
    client.create_trigger("svc", "fn", "a", "oss", config("uploads/"), BUCKET, ROLE)
    client.create_trigger("svc", "fn", "b", "oss", config("avatars/"), BUCKET, ROLE)
    client.create_trigger("svc", "fn", "c", "oss", config("uploads/", events=["oss:ObjectRemoved:DeleteObject"]),
                          BUCKET, ROLE)  # fmt: skip
    other = BUCKET.replace("ossimg-uploads", "ossimg-other")
    client.create_trigger("svc", "fn", "d", "oss", config("uploads/"), other, ROLE)
    assert len(client.list_triggers("svc", "fn").data["triggers"]) == 4


@pytest.mark.parametrize(("field", "value"), [("maxAsyncRetryAttempts", 9), ("maxAsyncEventAgeInSeconds", 0),
                                              ("maxAsyncEventAgeInSeconds", 2_592_001)])  # fmt: skip
def test_async_settings_out_of_range_are_refused(client, field, value):
    assert field in refused(client.put_function_async_invoke_config, "svc", "LATEST", "fn", {field: value})


def test_async_settings_not_sent_are_kept_until_deleted(client):
    queue = f"acs:mns:cn-hangzhou:{ACCOUNT}:/queues/q/messages"
    client.put_function_async_invoke_config("svc", "LATEST", "fn", {"maxAsyncRetryAttempts": 1, "destinationConfig": {
        "onFailure": {"destination": queue}}})  # fmt: skip
    client.put_function_async_invoke_config("svc", "LATEST", "fn", {"maxAsyncRetryAttempts": 2})
    kept = client.get_function_async_invoke_config("svc", "LATEST", "fn").data
    assert (kept["maxAsyncRetryAttempts"], kept["destinationConfig"]) == (2, {"onFailure": {"destination": queue}})
    client.delete_function_async_invoke_config("svc", "LATEST", "fn")
    with pytest.raises(FcError) as gone:
        client.get_function_async_invoke_config("svc", "LATEST", "fn")
    assert (gone.value.status_code, gone.value.err_code) == (404, "AsyncConfigNotExists")


def test_a_function_with_triggers_is_not_deleted(client):
    client.create_trigger("svc", "fn", "t", "oss", config(), BUCKET, ROLE)
    assert "still has triggers" in refused(client.delete_function, "svc", "fn")
    client.delete_trigger("svc", "fn", "t")
    client.delete_function("svc", "fn")
    assert client.list_functions("svc").data["functions"] == []
