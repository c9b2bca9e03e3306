"""The ``sys/saveas`` suffix and URL-safe base64, without importing the action models (cold start)."""

from __future__ import annotations

import base64


def b64url(text: str) -> str:
    """URL-safe base64 without padding, as OSS documents for ``o_``, ``b_`` and watermark text."""
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode().rstrip("=")


def saveas(key: str, bucket: str | None = None) -> str:
    """``sys/saveas,o_<key>[,b_<bucket>]``: persist the result (oss-img-spec §5.1)."""
    suffix = f"sys/saveas,o_{b64url(key)}"
    return suffix + (f",b_{b64url(bucket)}" if bucket else "")


def process_with_saveas(chain: str, key: str, bucket: str | None = None) -> str:
    """The body ``process_object`` sends: ``<chain>|sys/saveas,…``."""
    return f"{chain}|{saveas(key, bucket)}"
