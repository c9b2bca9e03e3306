"""Seeded fault injection and per-key request counters, for testing clients against a flaky OSS.

A fault rule picks requests by operation (``process``: IMG calls, ``put``, ``get``, ``head``,
``delete``, or ``all``) and hits a fraction of them, then delays them, fails them with a chosen
status and OSS code, or drops the connection. Whether a request is hit depends only on the seed,
the rule, the request's target and how many requests that target has seen. So a seeded run hits
the same number of requests per target however the client interleaves its calls; which of several
concurrent requests on one target is hit still depends on which arrives first.

Counters record requests the emulator *executed* successfully, per operation and object: the
ground truth tests use to prove that a client never did the same work twice.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field

OPERATIONS = ("process", "put", "get", "head", "delete", "all")


@dataclass(frozen=True)
class FaultRule:
    """Hit ``rate`` of the requests for ``operation`` with ``action`` (delay, error or drop)."""

    operation: str
    rate: float
    action: str
    status: int = 503
    code: str = "ServerBusy"
    delay_ms: int = 100

    @classmethod
    def parse(cls, spec: str) -> FaultRule:
        """``process:0.2:error:503:ServerBusy``, ``all:1:delay:100`` or ``process:0.05:drop``.

        Raises ValueError naming what is wrong.
        """
        parts = spec.split(":")
        if len(parts) < 3 or parts[0] not in OPERATIONS:
            raise ValueError(f"fault {spec!r}: expected OPERATION:RATE:ACTION[:…], OPERATION one of {OPERATIONS}")
        operation, rate_text, action, *rest = parts
        rate = float(rate_text)
        if not 0 <= rate <= 1:
            raise ValueError(f"fault {spec!r}: the rate must be between 0 and 1")
        if action == "delay" and len(rest) == 1:
            return cls(operation, rate, action, delay_ms=int(rest[0]))
        if action == "error" and len(rest) == 2:
            return cls(operation, rate, action, status=int(rest[0]), code=rest[1])
        if action == "drop" and not rest:
            return cls(operation, rate, action)
        raise ValueError(f"fault {spec!r}: use delay:MS, error:STATUS:CODE or drop")


@dataclass
class Faults:
    """The active fault rules and the counters of executed requests."""

    rules: list[FaultRule] = field(default_factory=list)
    seed: int = 0
    _seen: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    _executed: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    _injected: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, operation: str, bucket: str, key: str) -> FaultRule | None:
        """The fault to apply to this request, if any (counts the request either way)."""
        target = (operation, bucket, key)
        with self._lock:
            self._seen[target] += 1
            nth = self._seen[target]
        for index, rule in enumerate(self.rules):
            if rule.operation not in (operation, "all"):
                continue
            digest = hashlib.sha256(f"{self.seed}|{index}|{operation}|{bucket}|{key}|{nth}".encode()).digest()
            if int.from_bytes(digest[:8], "big") / 2**64 < rule.rate:
                with self._lock:
                    self._injected[operation] += 1
                return rule
        return None

    def injected(self, operation: str) -> int:
        """How many ``operation`` requests a fault was applied to."""
        with self._lock:
            return self._injected[operation]

    def seen(self, operation: str) -> int:
        """How many ``operation`` requests arrived, faulted or not."""
        with self._lock:
            return sum(n for (op, _, _), n in self._seen.items() if op == operation)

    def executed(self, operation: str, bucket: str, key: str) -> None:
        """Record that a request was carried out."""
        with self._lock:
            self._executed[(operation, bucket, key)] += 1

    def count(self, operation: str, bucket: str, key: str) -> int:
        """How many ``operation`` requests on ``bucket/key`` were carried out."""
        with self._lock:
            return self._executed[(operation, bucket, key)]

    def counts(self, operation: str) -> dict[tuple[str, str], int]:
        """Executed ``operation`` requests per (bucket, key)."""
        with self._lock:
            return {(b, k): n for (op, b, k), n in self._executed.items() if op == operation}

    def reset(self, rules: list[FaultRule] | None = None, seed: int | None = None) -> None:
        """Replace the rules (and seed) and forget every count."""
        with self._lock:
            self.rules = list(rules or [])
            self.seed = self.seed if seed is None else seed
            self._seen.clear()
            self._executed.clear()
            self._injected.clear()
