"""Asynchronous invocations: queued, retried with FC's back-off, dropped past their maximum age, and
sent to the on-failure destination (in FC's message shape) once retries are exhausted; `ossimg
failures` lists and re-drives what the destination kept."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ossimg_local import cli
from ossimg_local.fc.async_invoke import fc_backoff
from ossimg_local.fc.destination import RedriveWatcher, list_failures

from .conftest import QUEUE, probe_spec

ARN = "acs:fc:cn-hangzhou:1234567890123456:services/tests/functions/probe"


def event(**doc):
    return json.dumps(doc).encode()


class FakeClock:
    """FC's wall clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_fcs_documented_back_off():
    # FC 2.0 "Error handling": first retry after 0.5 s, then binary exponential: 1 s, 2 s, 4 s.
    assert [fc_backoff(n) for n in (1, 2, 3, 4)] == [0.5, 1, 2, 4]


class TestRetries:
    def test_retried_with_back_off_then_sent_to_the_destination(self, probes, tmp_path):
        waits = []
        runner = probes(failures_dir=tmp_path / "failures", backoff=lambda n: waits.append(n) or 0.0)
        payload = event(op="fail", message="boom")
        attempts = runner.invoke_async(payload, timeout=60)
        assert [a.ok for a in attempts] == [False, False, False]  # MaxAsyncRetryAttempts 2: three tries
        assert waits == [1, 2]
        assert len({a.request_id for a in attempts}) == 1  # one asynchronous invocation, one request id
        (kept,) = list_failures(tmp_path / "failures")
        message = kept.message
        assert list(message) == ["timestamp", "requestContext", "requestPayload", "responseContext", "responsePayload"]
        assert isinstance(message["timestamp"], int)
        assert message["requestContext"] == {
            "requestId": attempts[0].request_id, "functionArn": ARN, "condition": "UnhandledInvocationError",
            "approximateInvokeCount": 3,
        }  # fmt: skip
        assert message["requestPayload"] == payload.decode()
        assert message["responseContext"] == {"statusCode": 200, "functionError": "boom"}
        response = json.loads(message["responsePayload"])
        assert (response["errorType"], response["errorMessage"]) == ("ValueError", "boom")
        assert runner.failures == [message]

    def test_a_retry_that_succeeds_ends_it(self, probes, tmp_path):
        runner = probes()
        attempts = runner.invoke_async(event(op="flaky", state=str(tmp_path / "calls"), times=1), timeout=60)
        assert [a.ok for a in attempts] == [False, True]
        assert runner.failures == []

    def test_a_destination_the_role_may_not_send_to_refuses(self, probes):
        runner = probes(spec=probe_spec(policies=({"Statement": [{"Effect": "Allow", "Action": "oss:*",
                                                                   "Resource": "*"}]},)))  # fmt: skip
        attempts = runner.invoke_async(event(op="fail", message="boom"), timeout=60)
        assert runner.failures == []
        assert probes.notices[-1] == (
            f"tests/probe: {attempts[0].request_id}: the on-failure destination {QUEUE} refused the event: the role "
            "of tests/probe may not mns:SendMessage to it; the event is lost, as on FC"
        )

    def test_without_a_destination_the_event_is_discarded(self, probes):
        runner = probes(spec=probe_spec(on_failure=""))
        attempts = runner.invoke_async(event(op="fail", message="boom"), timeout=60)
        assert probes.notices[-1].endswith(f"{attempts[0].request_id}: tests/probe has no on-failure destination: "
                                           "FC discards the event")  # fmt: skip


class TestMaximumAge:
    def test_an_event_older_than_its_maximum_age_is_dropped(self, probes):
        clock = FakeClock()

        def an_hour_later(_: int) -> float:
            clock.now += 3600  # each retry is scheduled an hour later (on FC's clock)
            return 0.0

        runner = probes(spec=probe_spec(async_retries=8, max_event_age=5000), clock=clock, backoff=an_hour_later)
        accepted = runner.submit(event(op="fail", message="boom"))
        attempts = accepted.wait(60)
        assert (accepted.outcome, len(attempts)) == ("expired", 2)  # at 0 s and 3600 s; 7200 s is too old
        assert runner.failures == []
        assert "past MaxAsyncEventAgeInSeconds (5000 s)" in probes.notices[-1]

    def test_an_event_that_waited_too_long_is_never_run(self, probes):
        clock = FakeClock()
        runner = probes(spec=probe_spec(max_event_age=60), clock=clock)
        accepted = runner.submit(event(op="describe"), accepted_at=clock.now - 61)
        assert accepted.wait(60) == []
        assert accepted.outcome == "expired"


def test_queued_events_are_dispatched_to_several_instances_at_once(probes, tmp_path):
    runner = probes(instances=3)
    accepted = [runner.submit(event(op="barrier", dir=str(tmp_path / "in"), parties=3, timeout=4)) for _ in range(3)]
    assert runner.drain(60)
    assert [len(a.attempts) for a in accepted] == [1, 1, 1]
    assert [json.loads(a.attempts[0].result)["met"] for a in accepted] == [True, True, True]


class TestFailuresCommand:
    """`ossimg failures list` shows what the destination kept; `redrive` sends it back to its function."""

    @pytest.fixture(name="kept")
    def _kept(self, probes, tmp_path):
        runner = probes(failures_dir=tmp_path / "failures")
        state = tmp_path / "calls"
        runner.invoke_async(event(op="flaky", state=str(state), times=3), timeout=60)  # 3 tries, all fail
        return runner, tmp_path / "failures"

    def test_list(self, kept, capsys):
        _, folder = kept
        (failure,) = list_failures(folder)
        assert cli.main(["failures", "list", "--dir", str(folder)]) == 0
        assert capsys.readouterr().out == f"{failure.id}  {ARN}  3 attempt(s)  call 3 fails\n"
        assert cli.main(["failures", "list", "--json", "--dir", str(folder)]) == 0
        assert json.loads(capsys.readouterr().out) == failure.message

    def test_redrive_sends_the_event_back_to_its_function(self, kept, capsys):
        runner, folder = kept
        assert len(list_failures(folder)) == 1
        assert cli.main(["failures", "redrive", "--dir", str(folder)]) == 0
        assert capsys.readouterr().out.startswith("1 event(s) queued for redelivery")
        assert list_failures(folder) == []

        def submit(arn: str, payload: bytes) -> bool:
            return arn == runner.arn and runner.submit(payload) is not None

        watcher = RedriveWatcher(folder, submit, notice=print, interval=3600)
        try:
            watcher.sweep()
        finally:
            watcher.close()
        assert runner.drain(60)
        assert watcher.pending() == 0
        assert list_failures(folder) == []  # the fourth call succeeds: nothing failed again

    def test_redrive_of_an_unknown_id(self, kept, capsys):
        _, folder = kept
        # A wrong argument: exit code 2 (README, "Exit codes").
        assert cli.main(["failures", "redrive", "nope", "--dir", str(folder)]) == 2
        assert capsys.readouterr().err == f"ossimg failures: no failed event nope in {folder}\n"


def test_concurrent_submissions_are_all_settled(probes):
    runner = probes(instances=2)
    with ThreadPoolExecutor(4) as pool:
        accepted = list(pool.map(lambda n: runner.submit(event(op="sleep", seconds=0.01 * n)), range(8)))
    assert runner.drain(60)
    assert {a.outcome for a in accepted} == {"succeeded"}


def test_closing_the_runner_stops_what_runs_without_calling_it_a_failure(probes):
    runner = probes(spec=probe_spec(timeout=60))
    accepted = runner.submit(event(op="sleep", seconds=60))
    for _ in range(1000):  # until its instance is up (bounded)
        if runner.live_instances:
            break
        time.sleep(0.01)
    runner.close()
    assert accepted.wait(30) == []
    assert accepted.outcome == "stopped"
    assert runner.failures == []
