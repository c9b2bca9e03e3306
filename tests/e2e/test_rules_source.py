"""Rules kept in OSS: fetched at cold start, revalidated by ETag, bad versions kept out."""

from __future__ import annotations

import io
import json

import pytest

from ossimg.errors import OssCallError, RuleFileError
from ossimg.logs import JsonLog
from ossimg.oss import Oss2Client
from ossimg.rules_source import RulesSource
from ossimg.settings import Credentials

from .conftest import AK, SK

# Rules kept in OSS are read with the function's role: its template statements plus this one.
READ_RULES = {"Version": "1", "Statement": [
    {"Effect": "Allow", "Action": ["oss:GetObject"], "Resource": ["acs:oss:*:*:ossimg-config/rules.yaml"]},
]}  # fmt: skip
GOOD = b"version: 1\nrules: {'up/': {bucket: src, variants: {v: {ops: 'image/resize,w_%d', key: 'o/{name}'}}}}\n"


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture(name="config")
def _config(cloud):
    bucket = cloud.bucket("ossimg-config")
    bucket.create_bucket()
    bucket.put_object("rules.yaml", GOOD % 100)
    return bucket


@pytest.fixture(name="source")
def _source(cloud, config, tmp_path):
    assert config.object_exists("rules.yaml")  # the rules are in OSS before the source reads them
    client = Oss2Client(cloud.endpoint, "cn-hangzhou", Credentials(AK, SK))
    clock = Clock()
    src = RulesSource("oss://ossimg-config/rules.yaml", tmp_path, lambda: client, ttl=30, clock=clock)
    src.clock = clock  # type: ignore[attr-defined]
    return src


def chain(rules):
    return rules.rules[0].variants[0].chain


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_hot_change_within_the_ttl(source, config):
    log = io.StringIO()
    assert chain(source.get(JsonLog(log))) == "image/resize,w_100"
    config.put_object("rules.yaml", GOOD % 200)
    assert chain(source.get(JsonLog(log))) == "image/resize,w_100"  # not checked again yet
    source.clock.now = 31
    assert chain(source.get(JsonLog(log))) == "image/resize,w_200"
    assert [ln["msg"] for ln in lines(log)] == ["rules loaded", "rules updated"]


def test_a_bad_change_is_kept_out_and_logged(source, config):
    log = io.StringIO()
    source.get(JsonLog(log))
    config.put_object("rules.yaml", b"version: 1\nrules: {'up/': {variants: {v: {ops: 'image/resize,w_0', key: k}}}}")
    source.clock.now = 31
    assert chain(source.get(JsonLog(log))) == "image/resize,w_100"
    refused = lines(log)[-1]
    assert (refused["level"], refused["msg"]) == ("ERROR", "rules update refused; keeping the last good version")
    assert "rules['up/'].variants.v.ops[0]: resize: w must be an integer in [1, 16384]" in refused["error_message"]
    source.clock.now = 62
    source.get(JsonLog(log))
    assert len(lines(log)) == 2  # the same bad version is not fetched and reported again
    config.put_object("rules.yaml", GOOD % 300)
    source.clock.now = 93
    assert chain(source.get(JsonLog(log))) == "image/resize,w_300"


HOSTILE = {
    "nested 50,000 deep (libyaml would segfault)": b"rules: " + b"[" * 50_000 + b"]" * 50_000,
    "20,000 nested mappings": b"rules: " + b"{a: " * 20_000 + b"1" + b"}" * 20_000,
    "a 5,000-digit priority": b"version: 1\nrules: {up/: {priority: " + b"9" * 5000 + b", variants: {}}}",
    "a merge-key chain": b"a0: &a0 {x: 1}\n"
    + b"".join(b"a%d: &a%d {<<: [*a%d], y: *a%d}\n" % (i, i, i - 1, i - 1) for i in range(1, 40)),
    "not UTF-8": b"version: 1\nrules: {\xff\xfe: 1}",
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_version_is_refused_and_the_last_good_one_stays(source, config, body):
    log = io.StringIO()
    source.get(JsonLog(log))
    config.put_object("rules.yaml", body)
    source.clock.now = 31
    assert chain(source.get(JsonLog(log))) == "image/resize,w_100"
    refused = lines(log)[-1]
    assert (refused["level"], refused["msg"]) == ("ERROR", "rules update refused; keeping the last good version")


def test_an_unreachable_check_keeps_the_rules(source, cloud):
    log = io.StringIO()
    source.get(JsonLog(log))
    cloud.bucket("ossimg-config").delete_object("rules.yaml")
    source.clock.now = 31
    assert chain(source.get(JsonLog(log))) == "image/resize,w_100"
    assert lines(log)[-1]["error_code"] == "NoSuchKey"


def test_no_good_version_at_cold_start(source, config):
    config.put_object("rules.yaml", b"version: 1\nrules: {}")
    with pytest.raises(RuleFileError, match=r"oss://ossimg-config/rules\.yaml"):
        source.get(JsonLog(io.StringIO()))


def test_missing_rules_object_at_cold_start(source, config):
    config.delete_object("rules.yaml")
    with pytest.raises(OssCallError) as exc:
        source.get(JsonLog(io.StringIO()))
    assert exc.value.code == "NoSuchKey"


def test_the_function_reads_its_rules_from_oss(cloud, load_event, root):
    config = cloud.bucket("ossimg-config")
    config.create_bucket()
    config.put_object("rules.yaml", (root / "rules" / "example.yaml").read_bytes())
    runner = cloud.runner(policies=[*cloud.spec.policies, READ_RULES], OSSIMG_RULES="oss://ossimg-config/rules.yaml")
    invocation = runner.invoke(cloud.upload(load_event("oss-put.json")))
    assert invocation.ok, invocation.error
    assert '"msg": "summary"' in invocation.logs
    assert json.loads(invocation.result)["ok"] == 3
