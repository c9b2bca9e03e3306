"""At-least-once delivery made exactly-once: flaky OSS, FC retries and redeliveries, no lost or repeated work."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from PIL import Image

from ossimg_local.emulator.faults import FaultRule

UPLOADS = 200
RULES = """version: 1
region: cn-hangzhou
rules:
  in/:
    bucket: batch-src
    variants:
      small: {ops: [{resize: {m: fixed, w: 32, h: 24}}], key: "small/{key}", bucket: batch-out}
      square: {ops: [{resize: {m: fill, w: 20, h: 20}}, {format: png}], key: "square/{stem}.png", bucket: batch-out}
      wide: {ops: [{resize: {m: pad, w: 60, h: 20}}, {format: webp}], key: "wide/{stem}.webp", bucket: batch-out}
"""
# The role these rules need, as template.yml grants the demo's: read and process the uploads, write the
# variants and read them back for lineage.
ROLE = [{"Version": "1", "Statement": [
    {"Effect": "Allow", "Action": ["oss:GetObject", "oss:PostProcessTask"], "Resource": ["acs:oss:*:*:batch-src/in/*"]},
    {"Effect": "Allow", "Action": ["oss:PutObject", "oss:GetObject"],
     "Resource": ["acs:oss:*:*:batch-out/small/*", "acs:oss:*:*:batch-out/square/*", "acs:oss:*:*:batch-out/wide/*"]},
]}]  # fmt: skip
EXPECTED = {"small/in/{n}.jpg": (32, 24), "square/{n}.png": (20, 20), "wide/{n}.webp": (60, 20)}
# About a fifth of IMG calls fail in ways worth retrying: server busy, throttled, connection dropped.
FLAKY = ["process:0.10:error:503:ServerBusy", "process:0.05:error:429:Throttling", "process:0.05:drop"]


@pytest.fixture(name="batch")
def _batch(cloud, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    source, out = cloud.bucket("batch-src"), cloud.bucket("batch-out")
    source.create_bucket()
    out.create_bucket()
    buf = io.BytesIO()
    Image.linear_gradient("L").resize((80, 60)).convert("RGB").save(buf, "JPEG")
    events = []
    for n in range(UPLOADS):
        key = f"in/{n}.jpg"
        etag = source.put_object(key, buf.getvalue()).etag
        obj = {"key": key, "eTag": etag, "size": 1000}
        record = {"eventName": "ObjectCreated:PutObject", "eventSource": "acs:oss", "region": "cn-hangzhou",
                  "oss": {"bucket": {"name": "batch-src"}, "object": obj}}  # fmt: skip
        events.append(json.dumps({"events": [record]}).encode())
    # Two instances take the events from FC's asynchronous queue at once, as FC scales out.
    runner = cloud.runner(policies=ROLE, spec=replace(cloud.spec, timeout=60), instances=2, OSSIMG_RULES=str(rules))
    return runner, events


@pytest.mark.slow
def test_flaky_oss_every_variant_once_then_redeliveries_cost_nothing(cloud, batch):
    runner, events = batch
    faults = cloud.backend.faults
    faults.reset([FaultRule.parse(spec) for spec in FLAKY], seed=20261124)

    accepted = [runner.submit(event) for event in events]
    assert runner.drain(timeout=600)

    share = faults.injected("process") / faults.seen("process")
    assert 0.15 < share < 0.25, f"about a fifth of the IMG calls should fail, not {share:.0%}"
    assert runner.failures == []
    assert all(a.outcome == "succeeded" for a in accepted)
    assert len({a.attempts[-1].instance_id for a in accepted}) == 2, "both instances served events"
    processed = faults.counts("process")
    assert len(processed) == UPLOADS
    assert set(processed.values()) == {3}, "a variant was processed twice, or not at all"
    out = cloud.bucket("batch-out")
    for n in range(UPLOADS):
        for template, size in EXPECTED.items():
            image = Image.open(io.BytesIO(out.get_object(template.format(n=n)).read()))
            assert image.size == size

    for _ in range(2):  # FC delivers at least once: the same events again
        again = [runner.invoke(event) for event in events]
        assert all(a.ok for a in again)
        assert all(json.loads(a.result)["up_to_date"] == 3 for a in again)
    assert faults.counts("process") == processed, "a redelivery cost an IMG call"


@pytest.fixture(name="racing")
def _racing(cloud, load_event):
    """The same event delivered twice at once, as FC may redeliver it, to two instances of the function.
    Every IMG call takes a second, so both invocations are inside their calls at the same time."""
    cloud.backend.faults.reset([FaultRule.parse("process:1:delay:1000")])
    runner = cloud.runner(instances=2)
    event = cloud.upload(load_event("oss-put.json"))
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(runner.invoke, [event, event]))


def test_two_instances_take_the_same_event_at_once(racing):
    assert [r.ok for r in racing] == [True, True]
    assert racing[0].instance_id != racing[1].instance_id


@pytest.mark.usefixtures("racing")
def test_two_instances_racing_on_one_event_process_each_variant_once(cloud):
    # Without the pipeline's claims both instances saw no lineage yet and made every variant twice.
    assert cloud.backend.faults.counts("process") == {("ossimg-uploads", "uploads/photos/cat.jpg"): 3}
