"""An FC instance is a process of the runtime's Python, started from the code folder alone, handed
FC's context and environment, and logged between FC's Start/End lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ossimg_local.fc.interpreter import find_interpreter

from .conftest import CREDENTIALS, PROBE, answer, call, probe_spec

RUNTIMES = ["python3.10", "python3.12"]


@pytest.fixture(name="described", params=RUNTIMES, scope="module")
def _described(request):
    """What one instance of each runtime sees (one instance per runtime for the whole module)."""
    from .conftest import Probes

    probes = Probes()
    try:
        runner = probes(spec=probe_spec(runtime=request.param))
        invocation = call(runner, op="describe")
        yield request.param, invocation, answer(invocation)
    finally:
        for runner in probes.runners:
            runner.close()


class TestProcess:
    """Each instance is the runtime's interpreter, isolated to the code folder and the standard library."""

    def test_the_runtimes_own_python(self, described):
        runtime, _, seen = described
        interpreter = find_interpreter(runtime)
        if not interpreter.exact:
            pytest.skip(f"no {runtime} on this machine: instances run Python {interpreter.version}")
        assert seen["python"] == runtime.removeprefix("python")

    def test_only_the_code_folder_and_the_standard_library_are_importable(self, described):
        _, _, seen = described
        assert seen["flags"] == {"isolated": 1, "no_site": 1}
        assert seen["sys_path"][0] == str(PROBE)
        assert not [p for p in seen["sys_path"] if "site-packages" in p]
        assert seen["cwd"] == str(PROBE)  # FC runs the function from its code folder (/code)

    def test_a_module_the_folder_lacks_is_missing_as_on_fc(self, probe):
        invocation = call(probe, op="import", module="pydantic")  # installed in the runner's own venv
        assert (invocation.ok, invocation.error_type) == (False, "ModuleNotFoundError")
        assert invocation.error == "No module named 'pydantic'"

    def test_the_event_arrives_as_bytes(self, described):
        assert described[2]["event_type"] == "bytes"


class TestContext:
    """The context has the fields FC's Python page lists for each runtime (python3.12 dropped
    credentials and service)."""

    def test_fields_per_runtime(self, described):
        runtime, invocation, seen = described
        assert seen["request_id"] == invocation.request_id
        assert (seen["region"], seen["account_id"]) == ("cn-hangzhou", "1234567890123456")
        function = {"name": "probe", "handler": "index.handler", "memory": 128, "timeout": 5}
        if runtime == "python3.10":
            assert seen["top_level"] == ["account_id", "credentials", "function", "region", "request_id", "service"]
            assert seen["credentials"] == {"access_key_id": "STS.probe-key", "access_key_secret": "probe-secret",
                                           "security_token": "probe-token"}  # fmt: skip
            assert seen["function"] == function
            assert seen["service"] == {"name": "tests", "log_project": "", "log_store": "", "qualifier": "LATEST",
                                       "version_id": ""}  # fmt: skip
        else:
            assert seen["top_level"] == ["account_id", "function", "log_project", "log_store", "logger", "region",
                                         "request_id"]  # fmt: skip
            assert seen["function"] == {**function, "version_id": "", "qualifier": "LATEST"}

    def test_environment_on_both_runtimes(self, described):
        _, invocation, seen = described
        env = seen["env"]
        assert {k: env[k] for k in env if k.startswith(("FC_", "ALIBABA_CLOUD_"))} == {
            "FC_FUNC_CODE_PATH": str(PROBE), "FC_ACCOUNT_ID": "1234567890123456", "FC_REGION": "cn-hangzhou",
            "FC_SERVICE_NAME": "tests", "FC_FUNCTION_NAME": "probe", "FC_FUNCTION_HANDLER": "index.handler",
            "FC_FUNCTION_MEMORY_SIZE": "128", "FC_QUALIFIER": "LATEST", "FC_INSTANCE_ID": invocation.instance_id,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": CREDENTIALS.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": CREDENTIALS.access_key_secret,
            "ALIBABA_CLOUD_SECURITY_TOKEN": CREDENTIALS.security_token,
        }  # fmt: skip
        assert env["MODE"] == "test"  # the template's EnvironmentVariables

    def test_nothing_leaks_in_from_the_shell(self, probes, monkeypatch):
        monkeypatch.setenv("OSSIMG_RULES", "from-my-shell.yaml")
        seen = answer(call(probes(), op="describe"))
        assert "OSSIMG_RULES" not in seen["env"]

    def test_the_function_cannot_override_the_platforms_variables(self, probes):
        spec = probe_spec(environment={"FC_REGION": "mars-1", "ALIBABA_CLOUD_ACCESS_KEY_ID": "mine"})
        env = answer(call(probes(spec=spec), op="describe"))["env"]
        assert (env["FC_REGION"], env["ALIBABA_CLOUD_ACCESS_KEY_ID"]) == ("cn-hangzhou", "STS.probe-key")


class TestLogs:
    """What the function writes (stdout and stderr) is its log, between FC's Start and End lines."""

    def test_a_cold_instance_logs_its_initializer_first(self, probe):
        invocation = call(probe, op="say", lines=["one", "two"], stderr="to stderr\n", tail="no newline")
        lines = invocation.logs.splitlines()
        init_start, init_end = lines[0], lines[2]
        assert re.fullmatch(r"FC Initialize Start RequestId: [0-9a-f-]{36}", init_start)
        assert lines[1].startswith("initializing in ")
        assert init_end == init_start.replace("Start", "End")
        assert lines[3:] == [
            f"FC Invoke Start RequestId: {invocation.request_id}", "one", "two", "to stderr", "no newline",
            f"FC Invoke End RequestId: {invocation.request_id}",
        ]  # fmt: skip
        assert invocation.printed() == [lines[1], "one", "two", "to stderr", "no newline"]

    def test_a_warm_instance_logs_only_the_request(self, probe):
        first = call(probe, op="say", lines=["first"])
        second = call(probe, op="say", lines=["second"])
        assert second.instance_id == first.instance_id
        assert second.logs.splitlines() == [
            f"FC Invoke Start RequestId: {second.request_id}", "second",
            f"FC Invoke End RequestId: {second.request_id}",
        ]  # fmt: skip

    def test_an_exception_is_answered_as_fc_answers_it_and_the_instance_lives_on(self, probe):
        failed = call(probe, op="fail", message="boom")
        assert (failed.ok, failed.error_kind, failed.error_type, failed.error) == (
            False, "UnhandledInvocationError", "ValueError", "boom",
        )  # fmt: skip
        body = json.loads(failed.error_body())
        assert list(body) == ["errorMessage", "errorType", "stackTrace"]
        assert body["stackTrace"][-1] == [f'File "{PROBE / "index.py"}"', body["stackTrace"][-1][1], "in fail",
                                          'raise ValueError(doc["message"])']  # fmt: skip
        assert "Traceback (most recent call last):" in failed.printed()
        assert failed.printed()[-1] == "ValueError: boom"
        assert call(probe, op="say", lines=[]).instance_id == failed.instance_id


class TestInitializer:
    """The initializer runs once per instance, before its first request, under InitializationTimeout."""

    def test_once_per_instance_in_a_request_of_its_own(self, probe):
        invocation = call(probe, op="describe")
        first = answer(invocation)
        second = answer(call(probe, op="describe"))
        assert len(second["initialized"]) == 1
        assert first["initialized"] == second["initialized"]
        (init_id,) = first["initialized"]  # the context's request id is the one FC's Initialize lines name
        assert invocation.logs.splitlines()[0] == f"FC Initialize Start RequestId: {init_id}"
        assert init_id != invocation.request_id

    def test_a_failing_initializer_fails_the_request_and_runs_again_next_time(self, probes):
        runner = probes(spec=probe_spec(environment={"PROBE_INIT_FAIL": "no rules"}))
        first = call(runner, op="say", lines=["never"])
        second = call(runner, op="say", lines=["never"])
        assert (first.ok, first.error_type, first.error) == (False, "RuntimeError", "no rules")
        assert "never" not in first.printed()
        assert second.instance_id == first.instance_id
        assert second.logs.startswith("FC Initialize Start RequestId: ")

    def test_an_initializer_past_its_timeout_kills_the_instance(self, probes):
        # Initializing takes 3 s: past InitializationTimeout (1 s), well within the function's Timeout (10 s).
        spec = probe_spec(initialization_timeout=1, timeout=10, environment={"PROBE_INIT_SLEEP": "3"})
        runner = probes(spec=spec)
        invocation = call(runner, op="say", lines=["never"])
        assert not invocation.ok
        assert re.fullmatch(r"Function initialization timed out after 1 seconds \(maxMemoryUsage: \d+\.\d\dMB\)",
                            invocation.error)  # fmt: skip
        assert invocation.logs.splitlines()[-1].endswith(f", Error: {invocation.error}")
        assert runner.live_instances == []


def test_no_instance_outlives_its_runner(probes):
    runner = probes(instances=2)
    pids = {answer(call(runner, op="describe"))["pid"]}
    assert pids
    runner.close()
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]
