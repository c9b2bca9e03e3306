"""The function's core path on either target: the emulator, or real OSS (``make test-cloud``).

The built on_upload function, started as FC starts it, makes its variants with ``sys/saveas`` into
the source bucket and into another one, records their lineage, finds them up to date when the event
is delivered again, and makes them again for a new version of the source. The same bodies run on
both targets, so what the emulator accepts here, OSS is checked to accept too.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from PIL import Image

from ossimg_local.fc.context import Credentials
from ossimg_local.fc.runner import FunctionRunner
from ossimg_local.samples import sample_image

from ..conftest import bucket_factory
from .conftest import log_lines, on_upload_spec

RULES = """version: 1
region: {region}
rules:
  uploads/:
    bucket: {source}
    variants:
      thumb: {{ops: [{{resize: {{m: fill, w: 200, h: 200}}}}, {{format: webp}}], key: "thumbs/{{key}}", bucket: {out}}}
      small: {{ops: [{{resize: {{w: 320}}}}], key: "small/{{key}}"}}
"""


@pytest.fixture(name="world")
def _world(target, built, tmp_path):
    with bucket_factory(target, "oss2") as make:
        source, out = make(prefix="src"), make(prefix="out")
        rules = tmp_path / "rules.yaml"
        rules.write_text(RULES.format(region=target.region, source=source.name, out=out.name))
        creds = Credentials(target.credentials.access_key_id, target.credentials.access_key_secret,
                            target.credentials.security_token or "")  # fmt: skip
        env = {"OSSIMG_OSS_ENDPOINT": target.endpoint, "OSSIMG_RULES": str(rules), "OSSIMG_REGION": target.region}
        spec = replace(on_upload_spec(), timeout=60)
        with FunctionRunner(spec, built(spec.runtime), lambda: creds, region=target.region, env=env,
                            notice=lambda _: None) as runner:  # fmt: skip
            yield source, out, runner


def upload(source, key, size=(1600, 1200)):
    """Put a photo and return the event OSS would deliver for it."""
    etag = source.put(key, sample_image(key, size)).etag
    record = {
        "eventName": "ObjectCreated:PutObject", "eventSource": "acs:oss", "region": "",
        "oss": {"bucket": {"name": source.name}, "object": {"key": key, "eTag": etag, "size": 1}},
    }  # fmt: skip
    return json.dumps({"events": [record]}).encode()


def size_of(client, key):
    return Image.open(io.BytesIO(client.get(key).body)).size


def statuses(invocation):
    return sorted(line["status"] for line in log_lines(invocation) if line["msg"] == "variant")


def test_saveas_makes_each_variant_where_its_rule_says(world):
    source, out, runner = world
    invocation = runner.invoke(upload(source, "uploads/trip/cat.jpg"))
    assert invocation.ok, invocation.error
    assert statuses(invocation) == ["ok", "ok"]
    assert size_of(out, "thumbs/uploads/trip/cat.jpg") == (200, 200)
    assert size_of(source, "small/uploads/trip/cat.jpg") == (320, 240)


def test_a_redelivery_finds_every_variant_up_to_date(world):
    source, out, runner = world
    event = upload(source, "uploads/cat.jpg")
    runner.invoke(event)
    assert (
        out.head("thumbs/uploads/cat.jpg")
        .meta.get("ossimg-lineage", "")
        .startswith(source.head("uploads/cat.jpg").etag.upper() + ":")
    )
    again = runner.invoke(event)
    assert statuses(again) == ["up-to-date", "up-to-date"]
    assert json.loads(again.result)["up_to_date"] == 2


def test_a_new_version_of_the_source_is_made_again(world):
    source, out, runner = world
    runner.invoke(upload(source, "uploads/cat.jpg"))
    newer = runner.invoke(upload(source, "uploads/cat.jpg", size=(800, 1200)))
    assert statuses(newer) == ["ok", "ok"]
    assert size_of(source, "small/uploads/cat.jpg") == (320, 480)
    assert out.all_keys(".ossimg/") == []  # every claim was released
