"""`ossimg deploy` against a local FC API: a plan per resource, applied (orphans deleted, a moved trigger
replaced), every async setting sent, FC's errors as one line; then the deployed code, run from the
uploaded zip under the template's role, writes its variants to the emulator."""

from __future__ import annotations

import json
import logging
import shutil
import socket
from dataclasses import replace

import fc2
import pytest
from fc2.fc_exceptions import FcError

from ossimg.rules.stored import StoredRules
from ossimg.rules_source import load_file
from ossimg_local.cli import main
from ossimg_local.deploy.apply import deploy, prepare
from ossimg_local.deploy.package import build_function
from ossimg_local.deploy.plan import PlanError, Target
from ossimg_local.fc.api import FcApi
from ossimg_local.fc.build_info import BuildInfo
from ossimg_local.fc.interpreter import find_interpreter
from ossimg_local.fc.template import OssTrigger
from ossimg_local.serving import ThreadedServer
from ossimg_local.up import role_credentials

from .conftest import ROOT, log_lines, on_upload_spec

pytestmark = pytest.mark.slow

FC_AK, FC_SK = "LTAI-fc-admin", "fc-admin-secret"
ACCOUNT = "1234567890123456"
TARGET = Target(
    "cn-hangzhou", ACCOUNT, f"acs:ram::{ACCOUNT}:role/ossimg-fc", f"acs:ram::{ACCOUNT}:role/ossimg-oss-invoke"
)
QUEUE = f"acs:mns:cn-hangzhou:{ACCOUNT}:/queues/ossimg-failed/messages"


@pytest.fixture(scope="module", name="out")
def _out(tmp_path_factory):
    """``build/`` as `ossimg build` writes it for FC (dependencies from the cache)."""
    out = tmp_path_factory.mktemp("build")
    build_function(ROOT, on_upload_spec(), ROOT / "rules" / "example.yaml", out)
    return out


@pytest.fixture(name="fc")
def _fc(cloud, tmp_path):
    creds = role_credentials(cloud.backend, cloud.spec.policies)  # the deployed service's role
    api = FcApi(FC_AK, FC_SK, tmp_path / "fc", lambda: creds, runtime_env={"OSSIMG_OSS_ENDPOINT": cloud.endpoint},
                account_id=ACCOUNT)  # fmt: skip
    try:
        with ThreadedServer(api) as server:
            yield api, fc2.Client(endpoint=server.endpoint, accessKeyID=FC_AK, accessKeySecret=FC_SK)
    finally:
        api.close()


def run(client, specs, out, **options):
    deployment = prepare(client, specs, out, TARGET, **options)
    return [change.line() for change in deployment.changes], deploy(deployment)


def test_the_build_is_the_code_folder_fc_runs(out):
    folder = out / "on_upload"
    assert (folder / "index.py").is_file()
    assert (folder / "ossimg" / "on_upload.py").is_file()
    assert not list((folder / "ossimg").rglob("__pycache__"))
    assert not (folder / "__init__.py").exists()  # the linters' marker stays in the repository
    used = load_file(folder / "rules.yaml")
    assert isinstance(used, StoredRules)  # the compiled form is the one used, read a prefix at a time
    assert used.version == json.loads((folder / "rules.compiled" / "index.json").read_text())["version"]


def test_a_first_deploy_creates_everything_then_nothing_is_left_to_do(fc, out):
    api, client = fc
    planned, done = run(client, [on_upload_spec()], out)
    assert planned == done
    assert done[:2] == ["+ create service ossimg", "+ create function ossimg/on_upload"]
    assert "+ create trigger ossimg/on_upload/uploads (oss://ossimg-uploads/uploads/*)" in done
    service = api.services["ossimg"]
    assert service["role"] == TARGET.role
    assert service["logConfig"] == {"project": "ossimg-logs", "logstore": "on-upload", "enableRequestMetrics": True,
                                    "enableInstanceMetrics": False}  # fmt: skip
    function = api.functions[("ossimg", "on_upload")]
    assert (function["handler"], function["initializer"], function["runtime"]) == (
        "index.handler", "index.initialize", "python3.10",
    )  # fmt: skip
    settings = api.async_configs[("ossimg", "on_upload")]
    assert (settings["maxAsyncRetryAttempts"], settings["maxAsyncEventAgeInSeconds"]) == (3, 86400)
    assert settings["destinationConfig"] == {"onFailure": {"destination": QUEUE}}  # acs:mns::: completed
    assert settings["statefulInvocation"] is True  # FC tracks each task: what `backfill --via fc` follows
    uploads = api.triggers[("ossimg", "on_upload", "uploads")]
    assert uploads["sourceArn"] == f"acs:oss:cn-hangzhou:{ACCOUNT}:ossimg-uploads"
    assert uploads["invocationRole"] == TARGET.invocation_role
    assert run(client, [on_upload_spec()], out) == ([], [])  # the same template and build: nothing to change


def test_a_plan_after_editing_the_template_then_deploy_applies_it(fc, out):
    api, client = fc
    run(client, [on_upload_spec()], out)
    spec = on_upload_spec()
    moved = OssTrigger("gallery", "ossimg-archive", spec.triggers[2].events, "gallery/")
    edited = replace(spec, triggers=(spec.triggers[0], moved), memory=512, max_event_age=3600)
    planned, done = run(client, [edited], out)
    assert planned == [
        "- delete trigger ossimg/on_upload/avatars (not in template.yml)",
        f"-/+ replace trigger ossimg/on_upload/gallery (source acs:oss:cn-hangzhou:{ACCOUNT}:ossimg-uploads -> "
        f"acs:oss:cn-hangzhou:{ACCOUNT}:ossimg-archive: FC cannot change it)",
        "~ update function ossimg/on_upload: memorySize",
        "~ update async config ossimg/on_upload: maxAsyncEventAgeInSeconds",
    ]
    assert done == planned
    assert ("ossimg", "on_upload", "avatars") not in api.triggers
    assert api.triggers[("ossimg", "on_upload", "gallery")]["sourceArn"].endswith(":ossimg-archive")
    assert api.functions[("ossimg", "on_upload")]["memorySize"] == 512
    assert api.async_configs[("ossimg", "on_upload")]["maxAsyncEventAgeInSeconds"] == 3600


def test_orphans_can_be_kept(fc, out):
    api, client = fc
    run(client, [on_upload_spec()], out)
    spec = on_upload_spec()
    planned, _ = run(client, [replace(spec, triggers=spec.triggers[:2])], out, keep_orphans=True)
    assert planned == ["= keep trigger ossimg/on_upload/gallery (not in template.yml; kept (--keep-orphans))"]
    assert ("ossimg", "on_upload", "gallery") in api.triggers


def test_an_async_setting_out_of_fcs_range_is_refused_before_anything_is_sent(fc, out):
    api, _ = fc
    with pytest.raises(PlanError, match=r"AsyncConfiguration.MaxAsyncRetryAttempts must be in \[0, 8\], got 9"):
        run(fc[1], [replace(on_upload_spec(), async_retries=9)], out)
    assert api.services == {}


@pytest.fixture(name="deploy_cli")
def _deploy_cli(fc, out, monkeypatch, capsys, caplog):
    """``ossimg deploy …`` against the local FC API with the given secret: (exit code, stdout, stderr)."""
    caplog.set_level(logging.DEBUG)

    def deploy_with(secret, *extra, endpoint=None, build=out):
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", FC_AK)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
        code = main(["deploy", "--endpoint", endpoint or fc[1].endpoint, "--account-id", ACCOUNT, "--role",
                     TARGET.role, "--invocation-role", TARGET.invocation_role, "--root", str(ROOT), "--build",
                     str(build), *extra])  # fmt: skip
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return deploy_with


def test_deploy_with_a_wrong_key_is_one_line_without_headers(deploy_cli, caplog):
    code, out, err = deploy_cli("not-the-secret")
    assert code == 2  # a usage mistake: the keys
    assert out == ""
    assert err.splitlines() == [
        "ossimg deploy: reading service ossimg: FC answered 403 SignatureNotMatch: the request signature does not "
        "match; check ALIBABA_CLOUD_ACCESS_KEY_SECRET: it does not belong to that key id"
    ]
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "authorization" not in logged.lower()
    assert "Headers" not in logged


def test_plan_and_deploy_from_the_command_line(deploy_cli):
    code, out, _ = deploy_cli(FC_SK, "--plan")
    assert code == 0
    assert out.splitlines()[0] == "+ create service ossimg"
    assert out.splitlines()[-1].endswith("change(s) planned; `ossimg deploy` without --plan applies them")
    assert deploy_cli(FC_SK)[0] == 0
    assert deploy_cli(FC_SK, "--plan")[1] == "FC already matches template.yml: nothing to do\n"


def test_an_unreachable_endpoint_is_one_line(deploy_cli):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nothing listens there
    code, _, err = deploy_cli(FC_SK, endpoint=f"http://127.0.0.1:{port}")
    assert code == 2  # a usage mistake: the endpoint
    assert err.startswith(f"ossimg deploy: cannot reach FC at http://127.0.0.1:{port} (")
    assert len(err.splitlines()) == 1


def test_an_endpoint_that_is_not_fc_is_one_line(deploy_cli, cloud):
    code, _, err = deploy_cli(FC_SK, endpoint=cloud.endpoint)  # the OSS emulator: it answers in XML
    assert code == 2
    assert err == ("ossimg deploy: reading service ossimg: the endpoint answered with something that is not FC's JSON: "
                   "check --endpoint, which is https://<account id>.<region>.fc.aliyuncs.com\n")  # fmt: skip


def test_deploy_refuses_a_build_made_for_another_runtime(deploy_cli, out, tmp_path, fc):
    other = tmp_path / "build"
    shutil.copytree(out, other)
    BuildInfo("3.11", "cp311", "linux-x86_64", ("oss2",)).write(other / "on_upload")
    code, _, err = deploy_cli(FC_SK, build=other)
    assert code == 1
    assert err == (f"ossimg deploy: {other / 'on_upload'} cannot be deployed as on_upload (Runtime python3.10): it was "
                   "built for Python 3.11 (cp311, linux-x86_64; this machine's Python, for local runs only), not for "
                   "python3.10 (CPython 3.10 on manylinux <= glibc 2.28 (x86_64)); run `make build`\n")  # fmt: skip
    assert fc[0].services == {}  # refused before anything was sent


@pytest.fixture(name="runnable")
def _runnable():
    if not find_interpreter("python3.10").exact:
        pytest.skip("no python3.10 here: the runner refuses the runtime's build (README, 'The local FC runner')")


@pytest.mark.usefixtures("runnable")
def test_the_deployed_function_runs_from_its_zip_under_the_role(cloud, fc, out, load_event):
    _, client = fc
    run(client, [on_upload_spec()], out)
    event = cloud.upload(load_event("oss-put.json"))
    answer = client.invoke_function("ossimg", "on_upload", payload=event)
    assert json.loads(answer.data)["ok"] == 3
    assert cloud.image("ossimg-variants", "thumbs/uploads/photos/cat.webp")[0] == (200, 200)


@pytest.mark.usefixtures("runnable")
def test_an_asynchronous_invocation_is_accepted_then_run(cloud, fc, out, load_event):
    api, client = fc
    run(client, [on_upload_spec()], out)
    event = cloud.upload(load_event("oss-put.json"))
    answer = client.invoke_function("ossimg", "on_upload", payload=event, headers={"x-fc-invocation-type": "Async"})
    assert answer.headers["X-Fc-Request-Id"]
    assert api.drain()
    assert cloud.image("ossimg-variants", "thumbs/uploads/photos/cat.webp")[0] == (200, 200)


def without(build, tmp_path, missing):
    """A copy of the full build (``build/`` as ``ossimg build`` writes it) that lacks ``missing``."""
    out = tmp_path / "broken"
    shutil.copytree(build.parent, out, copy_function=_link)
    target = out / build.name / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    return out


def _link(source, target):
    shutil.os.link(source, target)


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
