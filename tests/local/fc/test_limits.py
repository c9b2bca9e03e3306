"""Timeout and MemorySize are enforced as FC enforces them: the instance is killed, the request is
answered with FC's error, and the next request gets a fresh instance. Builds for another Python are
refused; several instances serve requests at once."""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ossimg_local.fc.build_info import BuildInfo, BuildMismatch
from ossimg_local.fc.interpreter import find_interpreter

from .conftest import PROBE, answer, call, probe_spec

# FC's texts (see ossimg_local/fc/invocation.py for where each was found).
TIMED_OUT = r"Function timed out after 1 seconds \(maxMemoryUsage: \d+\.\d\dMB\)"
EXITED = r"Process exited unexpectedly before completing request \(duration: \d+ms, maxMemoryUsage: (\d+\.\d\d)MB\)"


def gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


class TestTimeout:
    def test_a_request_past_its_timeout_kills_the_instance(self, probes):
        runner = probes(spec=probe_spec(timeout=1))
        pid = answer(call(runner, op="describe"))["pid"]
        late = call(runner, op="sleep", seconds=30)
        assert (late.ok, late.error_kind) == (False, "UnhandledInvocationError")
        assert re.fullmatch(TIMED_OUT, late.error)
        assert json.loads(late.error_body()) == {"errorMessage": late.error}
        assert late.logs.splitlines()[-1] == f"FC Invoke End RequestId: {late.request_id}, Error: {late.error}"
        assert gone(pid)
        after = call(runner, op="describe")
        assert answer(after)["pid"] != pid
        assert after.instance_id != late.instance_id


class TestMemory:
    def test_within_memory_size_is_fine(self, probes):
        runner = probes(spec=probe_spec(memory=64))
        assert answer(call(runner, op="allocate", mb=16)) == {"allocated_mb": 16}

    def test_past_memory_size_the_instance_is_killed(self, probes):
        runner = probes(spec=probe_spec(memory=64))
        pid = answer(call(runner, op="describe"))["pid"]
        hungry = call(runner, op="allocate", mb=200)
        assert not hungry.ok
        used = re.fullmatch(EXITED, hungry.error)
        assert used, hungry.error
        assert float(used[1]) > 64
        assert gone(pid)
        assert answer(call(runner, op="describe"))["pid"] != pid


def test_an_instance_that_exits_mid_request_is_replaced(probe):
    pid = answer(call(probe, op="describe"))["pid"]
    died = call(probe, op="exit", code=3)
    assert re.fullmatch(EXITED, died.error)
    assert "about to exit with 3" in died.printed()
    assert answer(call(probe, op="describe"))["pid"] != pid


class TestBuilds:
    """A build records the Python its compiled dependencies are for; the runner refuses another."""

    @pytest.fixture(name="folder")
    def _folder(self, tmp_path):
        return Path(shutil.copytree(PROBE, tmp_path / "probe"))

    def test_a_build_for_another_python_is_refused(self, probes, folder):
        BuildInfo("3.12", "cp312", "linux-x86_64", ("oss2",)).write(folder)
        running = find_interpreter("python3.10")
        if running.abi == "cp312":
            pytest.skip("python3.10 is not on this machine and this one is 3.12")
        with pytest.raises(BuildMismatch) as refused:
            probes(folder)
        assert str(refused.value) == (
            f"{folder} was built for Python 3.12 (cp312, linux-x86_64) but its instances run Python "
            f"{running.version} ({running.abi}, {running.platform}) at {running.path}: rebuild it with "
            f"`ossimg build` for runtime {running.runtime}."
        )

    def test_a_build_for_the_instances_python_runs(self, probes, folder):
        running = find_interpreter("python3.10")
        BuildInfo.for_interpreter(running, ("oss2",), deps=True).write(folder)
        assert answer(call(probes(folder), op="describe"))["python"] == running.version

    def test_a_build_without_dependencies_runs_on_any_python(self, probes, folder):
        BuildInfo("3.12", "cp312", "linux-x86_64", (), dependencies=False).write(folder)
        assert call(probes(folder), op="describe").ok


class TestParallel:
    def test_instances_serve_requests_at_the_same_time(self, probes, tmp_path):
        runner = probes(instances=3)
        event = {"op": "barrier", "dir": str(tmp_path / "arrived"), "parties": 3, "timeout": 4}  # Timeout is 5 s
        with ThreadPoolExecutor(3) as pool:
            results = list(pool.map(lambda _: call(runner, **event), range(3)))
        assert [answer(r)["met"] for r in results] == [True, True, True]
        assert len({r.instance_id for r in results}) == 3
        assert len(runner.live_instances) == 3

    def test_at_most_the_pools_size_run(self, probes, tmp_path):
        runner = probes(instances=1)
        event = {"op": "barrier", "dir": str(tmp_path / "arrived"), "parties": 2, "timeout": 0.5}
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: call(runner, **event), range(2)))
        assert sorted(answer(r)["met"] for r in results) == [False, True]  # the second came after the first
        assert len({r.instance_id for r in results}) == 1
