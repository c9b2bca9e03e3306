"""Which OSS failures are worth trying again: throttling, server errors, the network."""

from __future__ import annotations

# OSS answers throttling with 503 ServerBusy or 429, and asks to retry other 5xx (OSS "Error responses").
TRANSIENT_CODES = frozenset({"ServerBusy", "Throttling", "TooManyRequests", "RequestTimeout", "InternalError"})


def is_transient(status: int, code: str) -> bool:
    """True for errors a later attempt may not meet (status < 0 means no HTTP answer at all)."""
    return status < 0 or status == 429 or status >= 500 or code in TRANSIENT_CODES
