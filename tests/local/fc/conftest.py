"""The local FC runner against a small standard-library function (tests/testdata/functions/probe)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from ossimg_local.fc.context import Credentials
from ossimg_local.fc.runner import FunctionRunner, Invocation
from ossimg_local.fc.template import FunctionSpec

ROOT = Path(__file__).resolve().parents[3]
PROBE = ROOT / "tests" / "testdata" / "functions" / "probe"
CREDENTIALS = Credentials("STS.probe-key", "probe-secret", "probe-token")
QUEUE = "acs:mns:cn-hangzhou:1234567890123456:/queues/probe-failed/messages"
MAY_SEND = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "mns:SendMessage", "Resource": QUEUE}]}


def probe_spec(**changes: Any) -> FunctionSpec:
    """The probe function as a template would declare it."""
    spec = FunctionSpec(
        service="tests", name="probe", handler="index.handler", runtime="python3.10", code_uri=str(PROBE),
        initializer="index.initialize", memory=128, timeout=5, initialization_timeout=5, environment={"MODE": "test"},
        async_retries=2, on_failure=QUEUE, policies=(MAY_SEND,),
    )  # fmt: skip
    return replace(spec, **changes)


def call(runner: FunctionRunner, **doc: Any) -> Invocation:
    """Invoke the probe with the event ``doc``."""
    return runner.invoke(json.dumps(doc).encode())


def answer(invocation: Invocation) -> dict[str, Any]:
    """The probe's JSON answer; fails the test with the error when there is none."""
    assert invocation.ok, f"{invocation.error_type}: {invocation.error}\n{invocation.logs}"
    return dict(json.loads(invocation.result))


@dataclass
class Probes:
    """Makes runners of the probe; each is closed when the test ends. ``notices`` has their own lines."""

    notices: list[str] = field(default_factory=list)
    runners: list[FunctionRunner] = field(default_factory=list)

    def __call__(self, code_dir: Path = PROBE, **options: Any) -> FunctionRunner:
        spec = options.pop("spec", None) or probe_spec()
        options.setdefault("backoff", lambda _: 0.0)
        runner = FunctionRunner(spec, code_dir, lambda: CREDENTIALS, notice=self.notices.append, **options)
        self.runners.append(runner)
        return runner


@pytest.fixture(name="probes")
def _probes() -> Iterator[Probes]:
    probes = Probes()
    try:
        yield probes
    finally:
        for runner in probes.runners:
            runner.close()


@pytest.fixture(name="probe")
def _probe(probes: Probes) -> FunctionRunner:
    """One instance of the probe, python3.10 shape."""
    return probes()


Maker = Callable[..., FunctionRunner]
