"""``ossimg explain`` says what the function does: for every sample event, the variants explain
plans are exactly the ones the function makes, and the records it skips are the ones the function skips."""

from __future__ import annotations

import json

import pytest

from ossimg.events import parse_event
from ossimg.explain import explain_event
from ossimg.rules.load import load_rules
from ossimg_local.demo import LOGO_KEY, STYLES, logo
from ossimg_local.samples import sample_image

from .conftest import ROOT, log_lines

GOOD_EVENTS = sorted(p.name for p in (ROOT / "events").glob("*.json") if not p.name.startswith("bad-"))


def records(doc):
    items = doc.get("events", [doc]) if isinstance(doc, dict) else doc
    return [item.get("data", item) for item in items]


def with_skips():
    """One record per reason to skip, each a one-field change of the documented sample."""
    sample = json.loads((ROOT / "events" / "oss-put.json").read_text(encoding="utf-8"))["events"][0]
    changes = [
        ("eventName", "ObjectCreated:UploadPart", None),  # not a completed upload
        ("key", "variants/avatars/bob-64.jpg", None),  # looks like our own output
        ("key", "elsewhere/cat.jpg", None),  # no rule
        ("key", "uploads/notes.jpg", {"mimeType": "text/plain"}),  # declared not an image
        ("key", "uploads/photos/cat.jpg", None),  # and one that is made
    ]
    events = []
    for field, value, meta in changes:
        record = json.loads(json.dumps(sample))
        (record if field == "eventName" else record["oss"]["object"])[field] = value
        if meta is not None:
            record["oss"]["object"]["objectMeta"] = meta
        events.append(record)
    return {"events": events}


@pytest.mark.parametrize("name", [*GOOD_EVENTS, "skips"])
def test_explain_and_the_function_agree(cloud, name):
    uploads = cloud.bucket("ossimg-uploads")
    uploads.put_object(LOGO_KEY, logo())
    for style, content in STYLES.items():
        uploads.put_bucket_style(style, content)
    doc = with_skips() if name == "skips" else json.loads((ROOT / "events" / name).read_text(encoding="utf-8"))
    for record in records(doc):
        key = record["oss"]["object"]["key"]
        etag = cloud.bucket(record["oss"]["bucket"]["name"]).put_object(key, sample_image(key)).etag
        record["oss"]["object"]["eTag"] = etag
    event = json.dumps(doc).encode()

    report = explain_event(parse_event(event), load_rules(cloud.rules))
    lines = log_lines(cloud.runner().invoke(event))

    for position, explained in enumerate(report["records"]):
        mine = [ln for ln in lines if ln.get("record") == position]
        made = {(ln["target_bucket"], ln["target_key"]) for ln in mine if ln["msg"] == "variant"}
        planned = {(v["target_bucket"], v["target_key"]) for v in explained["variants"]}
        assert made == planned, (name, position)
        skipped = [ln["reason"] for ln in mine if ln["msg"] == "record skipped"]
        assert skipped == ([explained["skipped"]] if explained["skipped"] else []), (name, position)
    if name == "skips":
        assert sum(1 for r in report["records"] if r["skipped"]) == 4


def test_every_sample_is_covered():
    assert {"oss-put.json", "oss-multi-record.json", "oss-odd-keys.json", "oss-gallery.json"} <= set(GOOD_EVENTS)
