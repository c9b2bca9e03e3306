"""Duplicate deliveries running at the same time: one instance makes an upload's variants, the others wait.

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

from ossimg import claims, pipeline
from ossimg.events import parse_event
from ossimg.logs import JsonLog
from ossimg.on_upload import TransientFailure, run
from ossimg.oss import Oss2Client
from ossimg.retry import Deadline
from ossimg.rules.load import load_rules, parse_rules
from ossimg.settings import Credentials
from ossimg_local.deploy.needs import role_needs
from ossimg_local.emulator.faults import FaultRule
from ossimg_local.samples import sample_image
from ossimg_local.up import role_credentials

from .conftest import ROOT

VARIANTS = {"thumbs/uploads/photos/cat.webp", "variants/large/uploads/photos/cat.jpg",
            "previews/uploads/photos/cat-preview.png"}  # fmt: skip


@pytest.fixture(name="rules", scope="module")
def _rules():
    return load_rules(ROOT / "rules" / "example.yaml")


def client_of(cloud, policies=None):
    """An OSS client with the function's service role (or ``policies``), as on FC."""
    role = role_credentials(cloud.backend, policies or cloud.spec.policies)
    return Oss2Client(cloud.endpoint, "cn-hangzhou",
                      Credentials(role.access_key_id, role.access_key_secret, role.security_token))  # fmt: skip


def instance(cloud, rules, event, seconds=30.0, *, workers=8, policies=None):
    """One invocation on its own client; returns its variant lines (a transient failure included)."""
    client = client_of(cloud, policies)
    out = io.StringIO()
    with contextlib.suppress(TransientFailure):  # its variants' lines say what failed
        run(event, rules, lambda: client, JsonLog(out), deadline=Deadline.after(seconds), workers=workers)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    return {line["target_key"]: line for line in lines if line["msg"] == "variant"}


def two_records(cloud, load_event, first="uploads/photos/cat.jpg", second="uploads/photos/dog.jpg"):
    """An event of two uploads, uploaded."""
    event = load_event("oss-put.json")
    event["events"].append(json.loads(json.dumps(event["events"][0])))
    event["events"][0]["oss"]["object"]["key"], event["events"][1]["oss"]["object"]["key"] = first, second
    return cloud.upload(event)


def claims_left(cloud):
    buckets = ("ossimg-uploads", "ossimg-variants")
    return [o.key for b in buckets for o in cloud.bucket(b).list_objects(claims.PREFIX).object_list]


def claim_looks(cloud):
    """How many times the emulator answered a HEAD of a claim (each wait for one held elsewhere looks)."""
    return sum(n for (_, key), n in cloud.backend.faults.counts("head").items() if claims.is_claim_key(key))


def note_and_cat(cloud, load_event):
    """An event of two uploads, note.jpg (a text file since: the pre-flight skips it) then cat.jpg,
    and an event of cat.jpg alone."""
    event = two_records(cloud, load_event, "uploads/photos/note.jpg", "uploads/photos/cat.jpg")
    cloud.bucket("ossimg-uploads").put_object("uploads/photos/note.jpg", b"a text file named note.jpg")
    cat = json.loads(event)
    del cat["events"][0]
    return event, json.dumps(cat).encode()


def slow_claim(client, claim, seconds):
    """``client``, whose PUT of ``claim`` answers ``seconds`` late (a slow or retried PUT)."""
    put_marker = client.put_marker

    def slow(bucket, key, meta, *, exclusive):
        if key == claim.key:
            time.sleep(seconds)
        return put_marker(bucket, key, meta, exclusive=exclusive)

    client.put_marker = slow
    return client


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


def test_a_new_version_costs_two_requests_for_its_claim_and_three_per_variant(cloud, rules, load_event):
    instance(cloud, rules, cloud.upload(load_event("oss-put.json")))
    # The same key uploaded again with other bytes: its variants exist (so each HEAD answers 200, and
    # is counted) but record the older version.
    event = cloud.upload(load_event("oss-put.json"), sample_image("uploads/photos/cat.jpg", (640, 480)))
    cloud.backend.faults.reset()
    lines = instance(cloud, rules, event)
    assert {line["status"] for line in lines.values()} == {"ok"}
    requests = {op: sum(cloud.backend.faults.counts(op).values()) for op in ("get", "put", "head", "process", "delete")}
    # The pre-flight GET; the claim's PUT and DELETE; per variant the lineage HEAD, the IMG call and
    # the lineage copy (a PUT).
    assert requests == {"get": 1, "put": 1 + 3, "head": 3, "process": 3, "delete": 1}


def test_a_claim_is_taken_while_the_pre_flight_read_is_in_flight(cloud, rules, load_event):
    event = cloud.upload(load_event("oss-put.json"))
    cloud.backend.faults.reset([FaultRule.parse("get:1:delay:1500")])  # the pre-flight read, held up
    source = ("ossimg-uploads", "uploads/photos/cat.jpg")
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(instance, cloud, rules, event)
        while not (running.done() or claims_left(cloud)):
            time.sleep(0.01)
        read_before_claim = cloud.backend.faults.count("get", *source)
        lines = running.result()
    assert read_before_claim == 0, "the claim waited for the pre-flight read"
    assert {line["status"] for line in lines.values()} == {"ok"}
    assert claims_left(cloud) == []


@pytest.mark.parametrize("body", [b"%PDF-1.7 not an image", b"a text file named cat.jpg"])
def test_an_upload_the_pre_flight_skips_gives_its_claim_back(cloud, rules, load_event, body):
    event = cloud.upload(load_event("oss-put.json"), body)  # its event still says image/jpeg
    cloud.backend.faults.reset()
    instance(cloud, rules, event)
    assert cloud.backend.faults.counts("process") == {}
    assert claims_left(cloud) == []


@pytest.mark.parametrize("gone", [False, True], ids=["not an image", "deleted since"])
def test_an_upload_the_pre_flight_skips_never_waits_for_a_claim_held_elsewhere(cloud, rules, load_event, gone):
    """An instance died holding the claim; the upload was replaced by a text file, or deleted, and FC
    retries the event. The retry has nothing to make, so it must not wait for that claim to expire."""
    event = cloud.upload(load_event("oss-put.json"), b"a text file named cat.jpg")
    if gone:
        cloud.bucket("ossimg-uploads").delete_object("uploads/photos/cat.jpg")
    hold(cloud, event, ttl=3600)
    cloud.backend.faults.reset()
    instance(cloud, rules, event, 10.0)
    assert claim_looks(cloud) <= 1, "it waited for the claim"  # one look tells it is held elsewhere
    assert claims_left(cloud) == [claim_of(event).key]  # not ours to give back


def test_a_failure_before_the_variants_leaves_no_claim_behind(cloud, rules, load_event):
    """Whatever ends the invocation early, a claim taken beside the pre-flight read goes with it."""
    event = cloud.upload(load_event("oss-put.json"))
    client = client_of(cloud)

    def broken_read(*_):
        time.sleep(0.2)  # the claim is taken meanwhile
        raise RuntimeError("a bug in the pre-flight")

    client.get_head = broken_read
    with pytest.raises(RuntimeError, match="a bug in the pre-flight"):
        run(event, rules, lambda: client, JsonLog(io.StringIO()), deadline=Deadline.after(10.0))
    assert claims_left(cloud) == []


def test_a_redelivery_makes_nothing_and_leaves_no_claim(cloud, rules, load_event):
    event = cloud.upload(load_event("oss-put.json"))
    instance(cloud, rules, event)
    cloud.backend.faults.reset()
    again = instance(cloud, rules, event)
    assert {line["status"] for line in again.values()} == {"up-to-date"}
    assert cloud.backend.faults.counts("process") == {}
    assert claims_left(cloud) == []


def test_a_record_repeated_in_one_event_is_made_once_without_waiting_for_itself(cloud, rules, load_event):
    event = json.loads(cloud.upload(load_event("oss-put.json")))
    event["events"] *= 2  # the same object version twice
    out = io.StringIO()
    run(json.dumps(event), rules, lambda: client_of(cloud), JsonLog(out), deadline=Deadline.after(4.0))
    lines = [json.loads(line) for line in out.getvalue().splitlines() if '"variant"' in line]
    assert sorted(line["status"] for line in lines) == ["ok"] * 6
    assert cloud.backend.faults.counts("process") == {("ossimg-uploads", "uploads/photos/cat.jpg"): 3}
    assert claim_looks(cloud) == 0, "it waited"
    assert claims_left(cloud) == []


@pytest.mark.parametrize(("workers", "takers"), [(1, pipeline.TAKERS), (8, pipeline.TAKERS), (8, 1)])
def test_a_record_waiting_for_a_claim_held_elsewhere_does_not_hold_up_the_others(
    cloud, rules, load_event, monkeypatch, workers, takers
):
    monkeypatch.setattr(pipeline, "TAKERS", takers)  # 1: as if every taker were waiting for a claim
    event = two_records(cloud, load_event)
    hold(cloud, event, ttl=3600)  # cat's claim: another instance is making cat's variants
    cloud.backend.faults.reset()
    dog = {("ossimg-uploads", "uploads/photos/dog.jpg"): 3}
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(instance, cloud, rules, event, 60.0, workers=workers)  # cat may wait 30 s
        for _ in range(400):  # dog's variants are made meanwhile
            if running.done() or cloud.backend.faults.counts("process") == dog:
                break
            time.sleep(0.05)
        made_meanwhile, cat_waiting = cloud.backend.faults.counts("process"), not running.done()
        release(cloud, event)  # the other instance is done with cat (here: it made nothing)
        lines = running.result()
    assert (made_meanwhile, cat_waiting) == (dog, True)
    assert {line["status"] for line in lines.values()} == {"ok"}
    assert len(lines) == 6
    assert claims_left(cloud) == []


@pytest.mark.parametrize("workers", [1, 8])
def test_two_invocations_sharing_records_in_opposite_order_both_finish(cloud, rules, load_event, workers):
    """Overlapping backfill batches, say. Each record's claim goes as soon as its own variants end, so
    neither invocation waits for the other to finish its other record."""
    cat_dog = two_records(cloud, load_event)
    dog_cat = two_records(cloud, load_event, "uploads/photos/dog.jpg", "uploads/photos/cat.jpg")
    cloud.backend.faults.reset([FaultRule.parse("process:1:delay:200")])  # so the two really overlap
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda e: instance(cloud, rules, e, 20.0, workers=workers), [cat_dog, dog_cat])
    assert {line["status"] for line in [*first.values(), *second.values()]} <= {"ok", "up-to-date"}
    made = {("ossimg-uploads", "uploads/photos/cat.jpg"): 3, ("ossimg-uploads", "uploads/photos/dog.jpg"): 3}
    assert cloud.backend.faults.counts("process") == made


def test_a_skipped_uploads_claim_goes_back_at_once_not_after_the_others(cloud, rules, load_event):
    event, cat = note_and_cat(cloud, load_event)
    hold(cloud, cat, ttl=3600)  # cat's claim, held elsewhere: the invocation waits
    note = claim_of(event).key  # named by the event's ETag, so taken beside the read that skips note
    cloud.backend.faults.reset()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(instance, cloud, rules, event, 60.0)
        for _ in range(400):  # until note's claim was taken and given back, while cat's is awaited
            taken = cloud.backend.faults.count("put", "ossimg-uploads", note)
            if running.done() or (taken and note not in claims_left(cloud)):
                break
            time.sleep(0.05)
        given_back_while_waiting = note not in claims_left(cloud) and not running.done()
        release(cloud, cat)
        running.result()
    assert given_back_while_waiting


def test_giving_back_a_skipped_uploads_claim_keeps_no_worker_from_the_variants(cloud, rules, load_event):
    event, _ = note_and_cat(cloud, load_event)
    cloud.backend.faults.reset([FaultRule.parse("delete:1:delay:1500")])  # note's claim goes back slowly
    note, cat = claim_of(event).key, ("ossimg-uploads", "uploads/photos/cat.jpg")
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(instance, cloud, rules, event, 30.0, workers=1)
        while not (running.done() or cloud.backend.faults.count("process", *cat)):
            time.sleep(0.01)
        note_still_going_back = note in claims_left(cloud)
        running.result()
    assert note_still_going_back, "cat's variants waited for note's claim to go back"


def test_a_skipped_uploads_slow_claim_holds_up_no_wait_for_another(cloud, rules, load_event):
    event, cat = note_and_cat(cloud, load_event)
    hold(cloud, cat, ttl=3600)  # cat's claim: held elsewhere when first tried
    note, cat_source = claim_of(event), ("ossimg-uploads", "uploads/photos/cat.jpg")
    client = slow_claim(client_of(cloud), note, 2.0)  # note's claim answers late
    cloud.backend.faults.reset()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(run, event, rules, lambda: client, JsonLog(io.StringIO()), deadline=Deadline.after(30.0))
        while not (running.done() or claim_looks(cloud)):  # cat's claim was tried and found held
            time.sleep(0.01)
        release(cloud, cat)  # the other instance is done with cat
        while not (running.done() or cloud.backend.faults.count("process", *cat_source)):
            time.sleep(0.01)
        note_still_trying = cloud.backend.faults.count("put", note.bucket, note.key) == 0
        running.result()
    assert note_still_trying, "cat waited for note's slow claim"


def test_a_slow_claim_holds_up_no_other_record(cloud, rules, load_event):
    event = two_records(cloud, load_event)  # cat, then dog
    dog = ("ossimg-uploads", "uploads/photos/dog.jpg")
    client = slow_claim(client_of(cloud), claim_of(event), 1.5)  # cat's claim answers late
    cloud.backend.faults.reset()
    out = io.StringIO()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(run, event, rules, lambda: client, JsonLog(out), deadline=Deadline.after(30.0))
        while not (running.done() or cloud.backend.faults.count("process", *dog) == 3):
            time.sleep(0.01)
        made_before_cat = cloud.backend.faults.counts("process")
        running.result()
    assert made_before_cat == {dog: 3}


def test_a_records_claim_goes_as_soon_as_its_own_variants_end(cloud, load_event, rules):
    event = two_records(cloud, load_event, "uploads/photos/dog.jpg", "uploads/photos/cat.jpg")
    hold(cloud, event, ttl=3600)  # dog's claim, held elsewhere: this invocation waits for it
    cloud.backend.faults.reset()
    cat_made, dog_held = {("ossimg-uploads", "uploads/photos/cat.jpg"): 3}, [claim_of(event).key]
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(instance, cloud, rules, event, 60.0)
        for _ in range(400):  # until cat is done and its claim gone, while dog's is still awaited
            if running.done() or (
                cloud.backend.faults.counts("process") == cat_made and claims_left(cloud) == dog_held
            ):
                break
            time.sleep(0.05)
        left_while_waiting, waiting = claims_left(cloud), not running.done()
        release(cloud, event)
        running.result()
    assert (left_while_waiting, waiting) == (dog_held, True)  # cat's claim was released while dog's was awaited


def test_a_trigger_event_and_a_backfill_record_of_one_upload_share_its_claim(cloud, load_event):
    """A trigger's event carries the uploader's content type and a backfill's record does not, so
    they may match different rules; their claim is the same all the same: it lives by the source."""
    rules = parse_rules(CONTENT_TYPE_RULES.encode(), source="content-type rules")
    role = [{"Version": "1", "Statement": [{"Effect": "Allow", "Action": list(s.actions), "Resource": list(s.resources)}
                                            for s in role_needs(rules, cloud.spec)]}]  # fmt: skip
    trigger = load_event("oss-put.json")
    trigger["events"][0]["oss"]["object"].update(key="photos/a/cover", objectMeta={"mimeType": "image/jpeg"})
    trigger = json.loads(cloud.upload(trigger))
    backfill = json.loads(json.dumps(trigger))
    del backfill["events"][0]["oss"]["object"]["objectMeta"]  # as backfill/batches.py sends a listed object
    cloud.backend.faults.reset([FaultRule.parse("process:1:delay:500")])  # so the two really overlap
    with ThreadPoolExecutor(2) as pool:
        pool.map(lambda e: instance(cloud, rules, json.dumps(e), policies=role), [trigger, backfill])
    # covers/ matches the trigger's image/jpeg only; thumbs/ matches both: made once all the same.
    assert cloud.backend.faults.counts("process") == {("ossimg-uploads", "photos/a/cover"): 2}


CONTENT_TYPE_RULES = """
version: 1
region: cn-hangzhou
rules:
  photos/:
    - name: covers
      bucket: ossimg-uploads
      content_type: ["image/*"]
      stop: false
      variants: {small: {ops: [{resize: {w: 48}}], key: "covers/{key}", bucket: ossimg-variants}}
    - name: all
      bucket: ossimg-uploads
      variants: {thumb: {ops: [{resize: {w: 32}}], key: "thumbs/{key}"}}
"""


def test_a_claim_whose_owner_died_is_taken_over(cloud, rules, load_event):
    event = cloud.upload(load_event("oss-put.json"))
    dead = instance(cloud, rules, event)
    cloud.backend.faults.reset()
    target = cloud.bucket("ossimg-variants")
    target.delete_object("thumbs/uploads/photos/cat.webp")
    # A claim left by an instance killed mid-call, with a TTL that is over by OSS's clock.
    hold(cloud, event, ttl=0)
    time.sleep(1.1)  # Last-Modified has one-second resolution
    again = instance(cloud, rules, event)
    assert dead["thumbs/uploads/photos/cat.webp"]["status"] == "ok"
    assert again["thumbs/uploads/photos/cat.webp"]["status"] == "ok"
    assert cloud.backend.faults.counts("process") == {("ossimg-uploads", "uploads/photos/cat.jpg"): 1}
    assert claims_left(cloud) == []


def test_a_live_claim_held_elsewhere_is_a_transient_failure_that_fc_retries(cloud, rules, load_event):
    event = cloud.upload(load_event("oss-put.json"))
    hold(cloud, event, ttl=3600)
    lines = instance(cloud, rules, event, seconds=1.0)
    assert {line["status"] for line in lines.values()} == {"failed-transient"}
    assert {line["error_code"] for line in lines.values()} == {"ClaimHeld"}
    assert cloud.backend.faults.counts("process") == {}


def claim_of(event):
    """The claim on making the variants of ``event``'s first record."""
    record = parse_event(event).records[0]
    return claims.claim_for(record.bucket, record.key, record.etag)


def hold(cloud, event, ttl):
    """The claim another instance, making the variants of ``event``'s first record, would have written."""
    claim = claim_of(event)
    meta = {"x-oss-meta-ossimg-claim": claim.source, "x-oss-meta-ossimg-claim-ttl": str(ttl)}
    cloud.bucket(claim.bucket).put_object(claim.key, b"", headers=meta)


def release(cloud, event):
    """The other instance deleting that claim."""
    claim = claim_of(event)
    cloud.bucket(claim.bucket).delete_object(claim.key)
