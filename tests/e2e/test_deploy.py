"""`ossimg build` and `ossimg deploy` against a local FC API, then the deployed code invoked for real."""

from __future__ import annotations

import json
import shutil

import fc2
import pytest
from fc2.fc_exceptions import FcError

from ossimg.rules.stored import StoredRules
from ossimg.rules_source import load_file
from ossimg_local.deploy.apply import Target, deploy
from ossimg_local.deploy.package import build_function
from ossimg_local.fc.api import FcApi
from ossimg_local.serving import ThreadedServer
from ossimg_local.up import role_credentials

from .conftest import ROOT, log_lines

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
    try:
        with ThreadedServer(api) as server:
            yield api, fc2.Client(endpoint=server.endpoint, accessKeyID=FC_AK, accessKeySecret=FC_SK)
    finally:
        api.close()


def without(build, tmp_path, missing):
    """A copy of the full build (``build/`` as ``ossimg build`` writes it) that lacks ``missing``."""
    out = tmp_path / "broken"
    shutil.copytree(build.parent, out, copy_function=_link)
    target = out / build.name / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    return out


def _link(source, target):
    shutil.os.link(source, target)


def test_the_build_is_the_code_folder_fc_runs(build):
    _, folder = build
    assert (folder / "index.py").is_file()
    assert (folder / "ossimg" / "on_upload.py").is_file()
    assert not list(folder.rglob("__pycache__"))
    assert not (folder / "__init__.py").exists()  # the linters' marker stays in the repository
    used = load_file(folder / "rules.yaml")
    assert isinstance(used, StoredRules)  # the compiled form is the one used, read a prefix at a time
    assert used.version == json.loads((folder / "rules.compiled" / "index.json").read_text())["version"]


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


def test_the_deployed_function_runs(cloud, fc, load_event):
    _, client = fc
    full = cloud.build("python3.10")  # with its dependencies: instances import only what the build holds
    deploy(client, [cloud.spec], full.parent, TARGET)
    event = cloud.upload(load_event("oss-put.json"))
    answer = client.invoke_function("ossimg", "on_upload", payload=event)
    assert json.loads(answer.data)["ok"] == 3
    assert cloud.image("ossimg-variants", "thumbs/uploads/photos/cat.webp")[0] == (200, 200)


def test_an_asynchronous_invocation_is_accepted_then_run(cloud, fc, load_event):
    api, client = fc
    deploy(client, [cloud.spec], cloud.build("python3.10").parent, TARGET)
    event = cloud.upload(load_event("oss-put.json"))
    answer = client.invoke_function("ossimg", "on_upload", payload=event, headers={"x-fc-invocation-type": "Async"})
    assert answer.headers["X-Fc-Request-Id"]
    assert api.drain()
    assert cloud.image("ossimg-variants", "thumbs/uploads/photos/cat.webp")[0] == (200, 200)


def test_a_build_missing_a_dependency_fails_when_deployed(cloud, fc, load_event, tmp_path):
    _, client = fc
    deploy(client, [cloud.spec], without(cloud.build("python3.10"), tmp_path, "requests"), TARGET)
    with pytest.raises(FcError) as failed:  # fc2 raises on X-Fc-Error-Type
        client.invoke_function("ossimg", "on_upload", payload=cloud.upload(load_event("oss-put.json")))
    error = json.loads(failed.value.message)
    assert (error["errorType"], error["errorMessage"]) == ("ModuleNotFoundError", "No module named 'requests'")


# oss2's own requirements (its requires.txt), by the name each is imported as.
OSS2_DEPENDENCIES = ["requests", "crcmod", "Crypto", "aliyunsdkkms", "aliyunsdkcore", "six.py"]


@pytest.mark.parametrize("missing", OSS2_DEPENDENCIES)
def test_every_dependency_of_oss2_is_needed_in_the_build(cloud, tmp_path, load_event, missing):
    broken = without(cloud.build("python3.10"), tmp_path, missing)
    invocation = cloud.runner(code_dir=broken / "on_upload").invoke(cloud.upload(load_event("oss-put.json")))
    assert not invocation.ok
    assert invocation.error_type == "ModuleNotFoundError"
    assert invocation.error == f"No module named '{missing.removesuffix('.py')}'"
    assert log_lines(invocation) == []  # it failed before processing anything


def test_a_wrong_secret_is_refused(fc):
    _, client = fc
    wrong = fc2.Client(endpoint=client.endpoint, accessKeyID=FC_AK, accessKeySecret="wrong")
    with pytest.raises(FcError) as exc:
        wrong.get_service("ossimg")
    assert (exc.value.status_code, exc.value.err_code) == (403, "SignatureNotMatch")
