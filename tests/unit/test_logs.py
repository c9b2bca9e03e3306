"""JSON log lines: bound context, one object per line, secrets masked."""

from __future__ import annotations

import io
import json

from ossimg.logs import MASK, JsonLog


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_bound_fields_appear_on_every_line():
    stream = io.StringIO()
    log = JsonLog(stream, request_id="r1").bind(key="a.jpg")
    log.info("variant", status="ok")
    log.error("variant", status="failed-permanent")
    first, second = lines(stream)
    assert (first["level"], first["msg"], first["request_id"], first["key"], first["status"]) == (
        "INFO", "variant", "r1", "a.jpg", "ok",
    )  # fmt: skip
    assert second["level"] == "ERROR"
    assert first["time"].endswith("Z")


def test_secrets_are_masked_at_any_depth():
    stream = io.StringIO()
    JsonLog(stream).info("config", access_key_secret="s3cr3t", nested={"security_token": "tok-5Xq9", "region": "x"})
    (line,) = lines(stream)
    assert line["access_key_secret"] == MASK
    assert line["nested"] == {"security_token": MASK, "region": "x"}
    assert "s3cr3t" not in stream.getvalue()
    assert "tok-5Xq9" not in stream.getvalue()


def test_unicode_stays_readable():
    stream = io.StringIO()
    JsonLog(stream).info("variant", key="uploads/猫.jpg")
    assert "uploads/猫.jpg" in stream.getvalue()
