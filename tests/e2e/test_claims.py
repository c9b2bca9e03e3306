"""Duplicate deliveries running at the same time: one instance makes each variant, the others wait.

The two "instances" here are two threads, each with its own OSS client, running the use case on the
same event against the emulator; the emulator's counters say how many IMG calls really ran.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ossimg import claims
from ossimg.events import parse_event
from ossimg.lineage import lineage
from ossimg.logs import JsonLog
from ossimg.on_upload import TransientFailure, run
from ossimg.oss import Oss2Client
from ossimg.plan import plan_event
from ossimg.retry import Deadline
from ossimg.rules.load import load_rules
from ossimg.settings import Credentials
from ossimg_local.emulator.faults import FaultRule
from ossimg_local.up import role_credentials

from .conftest import ROOT

VARIANTS = {"thumbs/uploads/photos/cat.webp", "variants/large/uploads/photos/cat.jpg",
            "previews/uploads/photos/cat-preview.png"}  # fmt: skip


@pytest.fixture(name="rules", scope="module")
def _rules():
    return load_rules(ROOT / "rules" / "example.yaml")


def instance(cloud, rules, event, seconds=30.0):
    """One invocation on its own client; returns its variant lines (a transient failure included)."""
    role = role_credentials(cloud.backend, cloud.spec.policies)  # the function's service role, as on FC
    client = Oss2Client(cloud.endpoint, "cn-hangzhou",
                        Credentials(role.access_key_id, role.access_key_secret, role.security_token))  # fmt: skip
    out = io.StringIO()
    with contextlib.suppress(TransientFailure):  # its variants' lines say what failed
        run(event, rules, lambda: client, JsonLog(out), deadline=Deadline.after(seconds))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    return {line["target_key"]: line for line in lines if line["msg"] == "variant"}


def claims_left(cloud):
    buckets = ("ossimg-uploads", "ossimg-variants")
    return [o.key for b in buckets for o in cloud.bucket(b).list_objects(claims.PREFIX).object_list]


def test_two_instances_on_one_event_make_each_variant_once(cloud, rules, load_event):
    event = cloud.upload(load_event("oss-put.json"))
    cloud.backend.faults.reset([FaultRule.parse("process:1:delay:300")])  # so the two really overlap

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: instance(cloud, rules, event), range(2))

    processed = cloud.backend.faults.counts("process")
    assert processed == {("ossimg-uploads", "uploads/photos/cat.jpg"): 3}, "a variant was made twice"
    for key in VARIANTS:
        assert sorted([first[key]["status"], second[key]["status"]]) == ["ok", "up-to-date"]
    assert claims_left(cloud) == []


def test_a_claim_whose_owner_died_is_taken_over(cloud, rules, load_event):
    event = cloud.upload(load_event("oss-put.json"))
    dead = instance(cloud, rules, event)  # make the variants once, to learn the claim keys' lineage
    cloud.backend.faults.reset()
    target = cloud.bucket("ossimg-variants")
    target.delete_object("thumbs/uploads/photos/cat.webp")
    # A claim left by an instance killed mid-call, with a TTL that is over by OSS's clock.
    plan = next(p for p in plans(event, rules) if p.target_key.startswith("thumbs/"))
    hold(cloud, event, plan, ttl=0)
    time.sleep(1.1)  # Last-Modified has one-second resolution
    again = instance(cloud, rules, event)
    assert dead["thumbs/uploads/photos/cat.webp"]["status"] == "ok"
    assert again["thumbs/uploads/photos/cat.webp"]["status"] == "ok"
    assert claims_left(cloud) == []


def test_a_live_claim_held_elsewhere_is_a_transient_failure_that_fc_retries(cloud, rules, load_event):
    event = cloud.upload(load_event("oss-put.json"))
    for plan in plans(event, rules):
        hold(cloud, event, plan, ttl=3600)
    lines = instance(cloud, rules, event, seconds=1.0)
    assert {line["status"] for line in lines.values()} == {"failed-transient"}
    assert {line["error_code"] for line in lines.values()} == {"ClaimHeld"}
    assert cloud.backend.faults.counts("process") == {}


def plans(event, rules):
    return plan_event(parse_event(event).records[0], rules)[1]


def hold(cloud, event, plan, ttl):
    """A claim on ``plan`` as another instance, making it from ``event``'s source, would have written it."""
    etag = parse_event(event).records[0].etag
    expected = lineage(plan.source_bucket, plan.source_key, etag, plan.chain, f"{plan.target_bucket}/{plan.target_key}")
    claim = claims.claim_for(plan, expected)
    meta = {"x-oss-meta-ossimg-claim": claim.lineage, "x-oss-meta-ossimg-claim-ttl": str(ttl)}
    cloud.bucket(claim.bucket).put_object(claim.key, b"", headers=meta)
