"""While deploy or a backfill talks to FC, the SDKs under it print nothing: ossimg says what went wrong itself."""

from __future__ import annotations

import logging

import pytest

from ossimg_local.deploy.fcclient import quiet


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture(name="kept")
def _kept():
    handler = Kept()
    logging.getLogger().addHandler(handler)
    yield handler.lines
    logging.getLogger().removeHandler(handler)


def test_urllib3_retry_warnings_reach_no_handler_while_quiet_and_do_again_after(kept):
    retrying = logging.getLogger("urllib3.connectionpool")  # where urllib3's retry warnings start
    with quiet():
        retrying.warning("Retrying (Retry(total=4)) after connection broken by NewConnectionError")
    assert kept == []
    retrying.warning("after")
    assert kept == ["urllib3.connectionpool: after"]
