"""template.yml's service role, enforced by the local cloud as OSS enforces it: enough for every rule,
nothing in it spare, and the role it replaced shown failing the way it failed on Alibaba Cloud."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest

from ossimg.claims import PREFIX as CLAIMS
from ossimg_local.demo import LOGO_KEY, STYLES, logo
from ossimg_local.fc.template import load_template

from .conftest import ROOT, log_lines

SPEC = next(s for s in load_template(ROOT / "template.yml") if s.name == "on_upload")
STATEMENTS = [s for policy in SPEC.policies for s in policy["Statement"]]
# Every rule of rules/example.yaml: uploads/ (3 variants), avatars/ (1), gallery/ (13, one with the watermark).
EVENTS = ("oss-put.json", "oss-multi-record.json", "oss-gallery.json")
RULE_EVENTS = (
    ("gallery/", "oss-gallery.json"),
    (LOGO_KEY, "oss-gallery.json"),
    ("avatars/", "oss-multi-record.json"),
)
ACCOUNT = "acs:oss:cn-hangzhou:1234567890123456:"  # how the emulator names its region and account
CAT = ACCOUNT + "ossimg-uploads/uploads/photos/cat.jpg"

# The role template.yml had before: GetObject and PostProcessTask on the uploads, GetObject on the
# watermark assets, PutObject on the outputs, and nothing to read the outputs back.
PREVIOUS = [{"Version": "1", "Statement": [
    {"Effect": "Allow", "Action": ["oss:GetObject", "oss:PostProcessTask"],
     "Resource": ["acs:oss:*:*:ossimg-uploads/uploads/*", "acs:oss:*:*:ossimg-uploads/avatars/*",
                  "acs:oss:*:*:ossimg-uploads/gallery/*"]},
    {"Effect": "Allow", "Action": ["oss:GetObject"], "Resource": ["acs:oss:*:*:ossimg-uploads/assets/*"]},
    {"Effect": "Allow", "Action": ["oss:PutObject"],
     "Resource": ["acs:oss:*:*:ossimg-variants/*", "acs:oss:*:*:ossimg-uploads/variants/*"]},
]}]  # fmt: skip


@pytest.fixture(name="world")
def _world(cloud):
    """The demo's cloud: the watermark image and the bucket style the gallery/ rule uses."""
    uploads = cloud.bucket("ossimg-uploads")
    uploads.put_object(LOGO_KEY, logo())
    for name, content in STYLES.items():
        uploads.put_bucket_style(name, content)
    return cloud


def uploaded(cloud, load_event, names=EVENTS, *, etag=True) -> bytes:
    """One event with the records of ``names``, each object uploaded (without eTags when asked)."""
    records = [record for name in names for record in load_event(name)["events"]]
    event = json.loads(cloud.upload({"events": records}))
    if not etag:
        for record in event["events"]:
            del record["oss"]["object"]["eTag"]
    return json.dumps(event).encode()


def variants(invocation):
    """The variant lines by (rule, variant)."""
    return {(ln["rule"], ln["variant"]): ln for ln in log_lines(invocation) if ln["msg"] == "variant"}


def find(actions, resource_part):
    """The index of the statement with exactly ``actions`` whose resources mention ``resource_part``."""
    (index,) = [
        i for i, s in enumerate(STATEMENTS)
        if set(s["Action"]) == set(actions) and any(resource_part in r for r in s["Resource"])
    ]  # fmt: skip
    return index


def without(index, resource=None):
    """The template's role without statement ``index`` (or only without one of its resources)."""
    policies = copy.deepcopy(list(SPEC.policies))
    kept = [s for policy in policies for s in policy["Statement"]]
    if resource is None or kept[index]["Resource"] == [resource]:
        del kept[index]
    else:
        kept[index]["Resource"].remove(resource)
    return [{"Version": "1", "Statement": kept}]


def denied(cloud):
    return {(d.action, d.resource) for d in cloud.backend.denials}


def test_the_template_role_is_enough_for_every_rule(world, load_event):
    runner = world.runner()
    event = uploaded(world, load_event)
    first = json.loads(runner.invoke(event).result)
    assert (first["variants"], first["ok"]) == (23, 23)
    again = json.loads(runner.invoke(event).result)
    assert again["up_to_date"] == 23  # lineage worked for every variant
    assert denied(world) == set()


def test_the_previous_role_breaks_lineage(world, load_event):
    runner = world.runner(policies=PREVIOUS)
    event = uploaded(world, load_event, ("oss-put.json",))
    first = runner.invoke(event)
    assert {ln["status"] for ln in variants(first).values()} == {"ok"}  # IMG saved every variant...
    assert {ln.get("lineage_error") for ln in variants(first).values()} == {"AccessDenied"}  # ...lineage failed
    again = json.loads(runner.invoke(event).result)
    assert (again["ok"], again["up_to_date"]) == (3, 0)  # so every redelivery runs IMG again
    assert world.backend.faults.count("process", "ossimg-uploads", "uploads/photos/cat.jpg") == 6
    assert ("oss:GetObject", ACCOUNT + "ossimg-variants/thumbs/uploads/photos/cat.webp") in denied(world)


class TestEveryStatementIsNeeded:
    """Remove one statement of the role and the operation it exists for fails, visibly."""

    def test_reading_the_uploads(self, world, load_event):
        index = find({"oss:GetObject"}, "ossimg-uploads/uploads/*")
        runner = world.runner(policies=without(index))
        event = uploaded(world, load_event, ("oss-put.json",), etag=False)
        runner.invoke(event)
        again = json.loads(runner.invoke(event).result)
        # The pre-flight read gives an event without an eTag its ETag; without it there is no lineage.
        assert (again["ok"], again["up_to_date"]) == (3, 0)
        assert ("oss:GetObject", CAT) in denied(world)

    def test_processing_the_uploads(self, world, load_event):
        runner = world.runner(policies=without(find({"oss:PostProcessTask"}, "uploads/*")))
        lines = variants(runner.invoke(uploaded(world, load_event, ("oss-put.json",))))
        assert {(ln["status"], ln["error_code"]) for ln in lines.values()} == {("failed-permanent", "AccessDenied")}
        assert ("oss:PostProcessTask", CAT) in denied(world)

    def test_reading_the_watermark(self, world, load_event):
        runner = world.runner(policies=without(find({"oss:GetObject"}, LOGO_KEY)))
        lines = variants(runner.invoke(uploaded(world, load_event, ("oss-gallery.json",))))
        failed = {name for name, ln in lines.items() if ln["status"] != "ok"}
        assert failed == {("gallery/", "branded")}
        assert lines[("gallery/", "branded")]["error_code"] == "AccessDenied"
        assert denied(world) == {("oss:GetObject", f"{ACCOUNT}ossimg-uploads/{LOGO_KEY}")}

    def test_writing_the_variants(self, world, load_event):
        runner = world.runner(policies=without(find({"oss:PutObject"}, "ossimg-variants/thumbs/*")))
        lines = variants(runner.invoke(uploaded(world, load_event, ("oss-put.json",))))
        assert {(ln["status"], ln["error_code"]) for ln in lines.values()} == {("failed-permanent", "AccessDenied")}
        assert not world.bucket("ossimg-variants").object_exists("thumbs/uploads/photos/cat.webp")

    def test_reading_the_variants_back(self, world, load_event):
        runner = world.runner(policies=without(find({"oss:GetObject"}, "ossimg-variants/thumbs/*")))
        event = uploaded(world, load_event, ("oss-put.json",))
        lines = variants(runner.invoke(event))
        assert {(ln["status"], ln.get("lineage_error")) for ln in lines.values()} == {("ok", "AccessDenied")}
        assert not [o for b in ("ossimg-uploads", "ossimg-variants")
                    for o in world.bucket(b).list_objects(CLAIMS).object_list], "a claim was left behind"  # fmt: skip
        assert json.loads(runner.invoke(event).result)["ok"] == 3  # made again: lineage cannot say it is done

    def test_claiming_the_variants(self, world, load_event):
        runner = world.runner(policies=without(find({"oss:PutObject", "oss:GetObject", "oss:DeleteObject"}, CLAIMS)))
        lines = variants(runner.invoke(uploaded(world, load_event, ("oss-put.json",))))
        # Made anyway, but unguarded: a duplicate delivery running at this moment could repeat them.
        assert {(ln["status"], ln.get("claim_error")) for ln in lines.values()} == {("ok", "AccessDenied")}
        assert {action for action, name in denied(world) if CLAIMS in name} == {"oss:PutObject"}

    def test_sending_to_the_failure_queue(self, world, load_event):
        """Without mns:SendMessage an event that exhausts FC's retries is lost instead of queued."""
        event = uploaded(world, load_event, ("oss-put.json",))
        lacking = without(find({"mns:SendMessage"}, "ossimg-failed"))
        kept = {}
        for name, role in (("template", list(SPEC.policies)), ("lacking", lacking)):
            spec = replace(world.spec, policies=tuple(role), async_retries=0)
            runner = world.runner(policies=role, spec=spec, OSSIMG_OSS_ENDPOINT="http://127.0.0.1:9")  # OSS down
            assert [a.error_type for a in runner.invoke_async(event)] == ["TransientFailure"]
            kept[name] = len(runner.failures)
            refusal = runner.destination.refusal
        assert kept == {"template": 1, "lacking": 0}
        assert "the role of ossimg/on_upload may not mns:SendMessage to it" in refusal


@pytest.mark.parametrize(("index", "resource"), [
    pytest.param(i, r, id=f"{'+'.join(s['Action'])} {r.removeprefix('acs:oss:*:*:')}")
    for i, s in enumerate(STATEMENTS) if all(a.startswith("oss:") for a in s["Action"]) for r in s["Resource"]
])  # fmt: skip
def test_every_resource_of_every_statement_is_used(world, load_event, index, resource):
    """Each resource is exactly what some operation of the function needs: without it, that operation fails."""
    # The sample event of the rule that reads or writes there (gallery/ also stamps the logo).
    event = next((name for part, name in RULE_EVENTS if part in resource), "oss-put.json")
    world.runner(policies=without(index, resource)).invoke(uploaded(world, load_event, (event,)))
    prefix = ACCOUNT + resource.removeprefix("acs:oss:*:*:").removesuffix("*")
    refused = {action for action, name in denied(world) if name.startswith(prefix)}
    assert refused & set(STATEMENTS[index]["Action"]), f"nothing needed {resource}"
