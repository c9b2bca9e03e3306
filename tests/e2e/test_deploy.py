"""`ossimg build` and `ossimg deploy` against a local FC API, then the deployed code invoked for real."""

from __future__ import annotations

import json

import fc2
import pytest
from fc2.fc_exceptions import FcError

from ossimg.rules_source import load_file
from ossimg_local.deploy.apply import Target, deploy
from ossimg_local.deploy.package import build_function
from ossimg_local.fc.api import FcApi
from ossimg_local.serving import ThreadedServer
from ossimg_local.up import role_credentials

from .conftest import ROOT

FC_AK, FC_SK = "LTAI-fc-admin", "fc-admin-secret"
TARGET = Target("cn-hangzhou", "1234567890123456", "acs:ram::1234567890123456:role/ossimg-fc",
                "acs:ram::1234567890123456:role/oss-invoke-fc")  # fmt: skip


@pytest.fixture(name="build")
def _build(cloud, tmp_path):
    return tmp_path / "build", build_function(ROOT, cloud.spec, ROOT / "rules" / "example.yaml", tmp_path / "build",
                                              deps=False)  # fmt: skip


@pytest.fixture(name="fc")
def _fc(cloud, tmp_path):
    creds = role_credentials(cloud.backend, cloud.spec.policies)  # the deployed service's role
    api = FcApi(FC_AK, FC_SK, tmp_path / "fc", lambda: creds, runtime_env={"OSSIMG_OSS_ENDPOINT": cloud.endpoint})
    with ThreadedServer(api) as server:
        yield api, fc2.Client(endpoint=server.endpoint, accessKeyID=FC_AK, accessKeySecret=FC_SK)


def test_the_build_is_the_code_folder_fc_runs(build):
    _, folder = build
    assert (folder / "index.py").is_file()
    assert (folder / "ossimg" / "on_upload.py").is_file()
    assert not list(folder.rglob("__pycache__"))
    compiled = json.loads((folder / "rules.compiled.json").read_text())
    assert compiled["version"] == load_file(folder / "rules.yaml").version  # the compiled form is the one used


def test_deploy_creates_then_updates(cloud, build, fc):
    api, client = fc
    out, _ = build
    first = deploy(client, [cloud.spec], out, TARGET)
    assert first[:2] == ["created service ossimg", "created function ossimg/on_upload"]
    function = api.functions[("ossimg", "on_upload")]
    assert (function["handler"], function["initializer"], function["runtime"]) == (
        "index.handler", "index.initialize", "python3.10",
    )  # fmt: skip
    assert function["environmentVariables"] == {"OSSIMG_RULES": "rules.yaml"}
    assert api.services["ossimg"]["role"] == TARGET.role
    assert api.async_configs[("ossimg", "on_upload")]["maxAsyncRetryAttempts"] == 3
    uploads = api.triggers[("ossimg", "on_upload", "uploads")]
    assert uploads["sourceArn"] == "acs:oss:cn-hangzhou:1234567890123456:ossimg-uploads"
    assert uploads["triggerConfig"]["filter"]["key"]["prefix"] == "uploads/"
    assert "oss:ObjectCreated:*" not in uploads["triggerConfig"]["events"]
    again = deploy(client, [cloud.spec], out, TARGET)
    assert again[:2] == ["updated service ossimg", "updated function ossimg/on_upload"]
    assert len(api.triggers) == 3


def test_the_deployed_function_runs(cloud, build, fc, load_event):
    _, client = fc
    out, _ = build
    deploy(client, [cloud.spec], out, TARGET)
    event = cloud.upload(load_event("oss-put.json"))
    answer = client.invoke_function("ossimg", "on_upload", payload=event)
    assert json.loads(answer.data)["ok"] == 3
    assert cloud.image("ossimg-variants", "thumbs/uploads/photos/cat.webp")[0] == (200, 200)


def test_a_wrong_secret_is_refused(fc):
    _, client = fc
    wrong = fc2.Client(endpoint=client.endpoint, accessKeyID=FC_AK, accessKeySecret="wrong")
    with pytest.raises(FcError) as exc:
        wrong.get_service("ossimg")
    assert (exc.value.status_code, exc.value.err_code) == (403, "SignatureNotMatch")
