"""The threaded WSGI server that the emulator and the local FC API share (``serving.py``)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from ossimg_local.serving import ThreadedServer


def slow_app(_environ: dict[str, Any], start_response: Any) -> list[bytes]:
    time.sleep(0.2)
    start_response("200 OK", [("Content-Length", "2")])
    return [b"ok"]


def test_requests_that_wait_for_a_busy_server_are_answered_without_a_warning_each(caplog):
    # More requests at once than worker threads is what make up does all the time (dozens in flight,
    # 16 threads): they wait their turn, as on a busy OSS. waitress logs "Task queue depth is N" for
    # every one that waits, which flooded the terminal of make up and make bench.
    with ThreadedServer(slow_app, threads=1) as server, ThreadPoolExecutor(4) as clients:
        answers = list(clients.map(lambda _: requests.get(server.endpoint, timeout=10).text, range(4)))
    assert answers == ["ok"] * 4
    assert [r.getMessage() for r in caplog.records if r.name.startswith("waitress")] == []
