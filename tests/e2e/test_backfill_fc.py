"""``ossimg backfill --via fc``: batches as asynchronous tasks of the deployed function, through the local FC
API (aliyun-fc2 on the wire), run by several instances at once. Killed at about half and resumed, every
variant is still made exactly once; run again, no IMG call at all. (``make bench`` runs the same with
10,000 objects.)"""

from __future__ import annotations

import json
import signal

import fc2
import pytest

from ossimg_local import cli
from ossimg_local.fc.api import FcApi
from ossimg_local.serving import ThreadedServer
from ossimg_local.up import role_credentials

from .backfill_kit import ROLE, VARIANTS, made, oss_args, put_photos, rules_file, run_cli, start_cli, stop_at

FC_AK, FC_SK = "LTAI-fc-admin", "fc-admin-secret"


@pytest.fixture(name="fc")
def _fc(cloud, tmp_path):
    """on_upload (its full build) deployed to a local FC API with the test's rules; (endpoint, api)."""
    creds = role_credentials(cloud.backend, ROLE)
    api = FcApi(FC_AK, FC_SK, tmp_path / "fc", lambda: creds, instances=3,
                runtime_env={"OSSIMG_OSS_ENDPOINT": cloud.endpoint})  # fmt: skip
    try:
        with ThreadedServer(api) as server:
            client = fc2.Client(endpoint=server.endpoint, accessKeyID=FC_AK, accessKeySecret=FC_SK)
            client.create_service("ossimg")
            client.create_function("ossimg", "on_upload", "python3.10", "index.handler", initializer="index.initialize",
                                   codeDir=str(cloud.build("python3.10")), timeout=60, memorySize=256,
                                   environmentVariables={"OSSIMG_RULES": str(rules_file(tmp_path)),
                                                         "OSSIMG_RETRY_BASE": "0"})  # fmt: skip
            tracked = {"maxAsyncRetryAttempts": 3, "statefulInvocation": True}
            client.put_function_async_invoke_config("ossimg", "LATEST", "on_upload", tracked)
            yield server.endpoint, api, client
    finally:
        api.close()


def via_fc(cloud, fc, tmp_path, *more):
    endpoint = fc[0]
    return ["backfill", "--via", "fc", "--bucket", "ossimg-uploads", "--rules", str(rules_file(tmp_path)),
            "--fc-endpoint", endpoint, "--fc-access-key-id", FC_AK, "--fc-access-key-secret", FC_SK,
            "--checkpoint", str(tmp_path / "fc.checkpoint.json"), "--batch", "5", "--in-flight", "6", "--poll", "0.05",
            "--no-progress", "--json", *oss_args(cloud), *more]  # fmt: skip


def test_killed_at_half_and_resumed_every_variant_is_made_exactly_once(cloud, fc, tmp_path, capsys):
    _, api, _ = fc
    keys = put_photos(cloud, 150)
    checkpoint = tmp_path / "fc.checkpoint.json"
    first = start_cli(*via_fc(cloud, fc, tmp_path), log=tmp_path / "first.log")
    stopped = stop_at(first, checkpoint, "done", 75, signal.SIGKILL)  # no warning, no cleanup: a crash
    assert stopped["done"] < 150
    assert json.loads(checkpoint.read_text())["pending"]  # tasks it had in flight, which FC still runs
    capsys.readouterr()
    assert cli.main(via_fc(cloud, fc, tmp_path)) == 0
    out, err = capsys.readouterr()
    assert "resuming from" in err
    summary = json.loads(out)
    assert (summary["listed"], summary["done"], summary["failed"]) == (150, 150, 0)
    assert api.drain(120)
    assert made(cloud) == dict.fromkeys(keys, 2)  # the emulator's own count: each variant exactly once
    for key in keys[:5]:
        for variant in ("small/" + key, "tiny/" + key.removesuffix(".jpg") + ".png"):
            assert cloud.bucket("ossimg-variants").head_object(variant).headers["x-oss-meta-ossimg-source"]
    code, out = run_cli(capsys, *via_fc(cloud, fc, tmp_path))
    assert code == 0
    assert api.drain(120)
    assert made(cloud) == dict.fromkeys(keys, 2)  # run again: no IMG call
    assert json.loads(out)["by_variant"]["*"] == {"up-to-date": 300}  # the function's own counts, from FC


def test_the_dry_run_counts_what_the_fc_run_then_does(cloud, fc, tmp_path, capsys):
    _, api, _ = fc
    put_photos(cloud, 20)
    code, out = run_cli(capsys, *via_fc(cloud, fc, tmp_path, "--dry-run"))
    assert code == 0
    predicted = json.loads(out)
    assert {v: predicted["variants"][v]["img_calls"] for v in VARIANTS} == dict.fromkeys(VARIANTS, 20)
    code, out = run_cli(capsys, *via_fc(cloud, fc, tmp_path))
    assert code == 0
    assert api.drain(120)
    assert sum(made(cloud).values()) == predicted["img_calls"] == json.loads(out)["by_variant"]["*"]["ok"]


def test_a_function_whose_tasks_fc_does_not_track_is_refused(cloud, fc, tmp_path, capsys):
    _, _, client = fc
    client.put_function_async_invoke_config("ossimg", "LATEST", "on_upload", {"statefulInvocation": False})
    put_photos(cloud, 2)
    capsys.readouterr()
    assert cli.main(via_fc(cloud, fc, tmp_path)) == 2
    assert "asynchronous tasks are not enabled" in capsys.readouterr().err
    assert made(cloud) == {}


def test_an_fc_endpoint_where_nothing_answers_is_one_line_naming_fc_endpoint(cloud, tmp_path):
    put_photos(cloud, 1)
    nowhere = "http://127.0.0.1:1"  # nothing listens: fc2 alone would retry for half a minute, warning each time
    args = ["backfill", "--via", "fc", "--fc-endpoint", nowhere, "--bucket", "ossimg-uploads",
            "--rules", str(rules_file(tmp_path)), "--checkpoint", str(tmp_path / "cp.json"),
            "--no-progress", *oss_args(cloud)]  # fmt: skip
    run = start_cli(*args, log=tmp_path / "out.log")  # its own process: what a user sees on the terminal
    assert run.wait(timeout=120) == 2
    assert (tmp_path / "out.log").read_text().splitlines() == [
        f"ossimg backfill: cannot reach FC at {nowhere}: nothing answers there; check --fc-endpoint, which is "
        "https://<account id>.<region>.fc.aliyuncs.com"
    ]
    assert made(cloud) == {}
