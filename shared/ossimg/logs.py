"""Structured logs: one JSON object per line, context bound once, secrets masked, stream injectable."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

SENSITIVE = frozenset(
    {"access_key_secret", "security_token", "authorization", "secret", "password", "credentials", "token"}
)
MASK = "[SENSITIVE]"


class JsonLog:
    """Writes ``{"time", "level", "msg", **bound, **fields}`` lines to a stream (stdout by default)."""

    def __init__(self, stream: TextIO | None = None, **bound: Any) -> None:
        self._stream = stream
        self._bound = bound

    def bind(self, **fields: Any) -> JsonLog:
        """A logger that adds ``fields`` to every line, on top of what this one adds."""
        return JsonLog(self._stream, **{**self._bound, **fields})

    def info(self, msg: str, **fields: Any) -> None:
        """An INFO line."""
        self._emit("INFO", msg, fields)

    def warning(self, msg: str, **fields: Any) -> None:
        """A WARNING line."""
        self._emit("WARNING", msg, fields)

    def error(self, msg: str, **fields: Any) -> None:
        """An ERROR line."""
        self._emit("ERROR", msg, fields)

    def _emit(self, level: str, msg: str, fields: dict[str, Any]) -> None:
        now = time.time()
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z",
            "level": level,
            "msg": msg,
            **self._bound,
            **fields,
        }
        stream = self._stream or sys.stdout
        text = json.dumps(mask(line), ensure_ascii=False, default=str)
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate from an event: escape it rather than fail
                text = json.dumps(mask(line), ensure_ascii=True, default=str)
        stream.write(text + "\n")
        stream.flush()


def mask(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with sensitive values replaced, at any depth."""
    return {k: MASK if k.lower() in SENSITIVE else (mask(v) if isinstance(v, dict) else v) for k, v in fields.items()}
