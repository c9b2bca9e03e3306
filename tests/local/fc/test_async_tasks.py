"""The local FC API's asynchronous tasks: invoked with a task id, run by several instances at once, and their
state answered as GetStatefulAsyncInvocation answers it."""

from __future__ import annotations

import json
import time

import fc2
import pytest
from fc2.fc_exceptions import FcError

from ossimg_local.backfill.fc_dispatch import FcDispatcher
from ossimg_local.fc.api import FcApi
from ossimg_local.serving import ThreadedServer

from .conftest import CREDENTIALS, PROBE

AK, SK = "LTAI-fc", "fc-secret"
SETTLED = ("Succeeded", "Failed", "Expired", "Stopped")


@pytest.fixture(name="fc")
def _fc(tmp_path):
    api = FcApi(AK, SK, tmp_path / "fc", lambda: CREDENTIALS, instances=3)
    try:
        with ThreadedServer(api) as server:
            client = fc2.Client(endpoint=server.endpoint, accessKeyID=AK, accessKeySecret=SK)
            client.create_service("tests")
            client.create_function("tests", "probe", "python3.10", "index.handler", codeDir=str(PROBE), timeout=20)
            yield api, client
    finally:
        api.close()


def stateful(client, enabled=True, retries=1):
    config = {"maxAsyncRetryAttempts": retries, "statefulInvocation": enabled}
    client.put_function_async_invoke_config("tests", "LATEST", "probe", config)


def invoke(client, task, **doc):
    headers = {"x-fc-invocation-type": "Async", "x-fc-stateful-async-invocation-id": task}
    client.invoke_function("tests", "probe", payload=json.dumps(doc).encode(), headers=headers)


def settle(client, task, timeout=60):
    tasks = FcDispatcher(client, "tests", "probe")
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        state = tasks.state(task)
        if not seen or seen[-1] != state["status"]:
            seen.append(state["status"])
        if state["status"] in SETTLED:
            return state, seen
        time.sleep(0.02)
    raise AssertionError(f"task {task} still {seen[-1]} after {timeout} s")


def test_a_task_is_enqueued_runs_and_succeeds(fc):
    _, client = fc
    stateful(client)
    invoke(client, "task-sleep", op="sleep", seconds=0.5)
    state, seen = settle(client, "task-sleep")
    assert seen[-2:] == ["Running", "Succeeded"]
    assert (state["invocationId"], state["serviceName"], state["functionName"]) == ("task-sleep", "tests", "probe")
    assert state["alreadyRetriedTimes"] == 0
    assert state["endTime"] - state["startedTime"] >= 500  # milliseconds, as FC's reference gives them


def test_a_retried_task_says_so(fc, tmp_path):
    _, client = fc
    stateful(client)
    invoke(client, "task-flaky", op="flaky", times=1, state=str(tmp_path / "calls"))
    state, seen = settle(client, "task-flaky")
    assert "Retrying" in seen
    assert (state["status"], state["alreadyRetriedTimes"]) == ("Succeeded", 1)


def test_a_task_that_exhausts_its_retries_failed(fc):
    _, client = fc
    stateful(client, retries=0)
    invoke(client, "task-fail", op="fail", message="boom")
    state, _ = settle(client, "task-fail")
    assert (state["status"], state["invocationErrorMessage"]) == ("Failed", "ValueError")


def test_unknown_and_reused_task_ids(fc):
    _, client = fc
    stateful(client)
    assert FcDispatcher(client, "tests", "probe").state("never-sent") is None  # 404
    invoke(client, "task-once", op="sleep", seconds=0)
    with pytest.raises(FcError) as refused:
        invoke(client, "task-once", op="sleep", seconds=0)
    assert (refused.value.status_code, refused.value.err_code) == (409, "StatefulAsyncInvocationAlreadyExists")


def test_without_stateful_invocation_the_id_is_not_kept(fc):
    api, client = fc
    stateful(client, enabled=False)
    invoke(client, "task-untracked", op="sleep", seconds=0)
    assert api.drain(30)
    assert FcDispatcher(client, "tests", "probe").state("task-untracked") is None


def test_asynchronous_invocations_run_on_several_instances_at_once(fc, tmp_path):
    _, client = fc
    stateful(client)
    for n in range(3):  # each waits until all three have arrived: met only if three instances run them at once
        invoke(client, f"task-barrier-{n}", op="barrier", dir=str(tmp_path / "met"), parties=3, timeout=15)
    states = [settle(client, f"task-barrier-{n}")[0] for n in range(3)]
    assert [s["status"] for s in states] == ["Succeeded"] * 3
    answers = [json.loads(s["returnPayload"]) for s in states]
    assert all(a["met"] for a in answers)
    assert len({a["pid"] for a in answers}) == 3  # three instances, each its own process
