"""The function's settings, read once per instance from the FC context and environment.

Environment variables (set in template.yml):

``OSSIMG_RULES``         rule file, relative to the function's code folder (default ``rules.yaml``),
                         or ``oss://bucket/key`` to change rules without a redeploy
``OSSIMG_RULES_TTL``     seconds between ETag checks of rules kept in OSS (default 60)
``OSSIMG_OSS_ENDPOINT``  OSS endpoint (default ``https://oss-<region>-internal.aliyuncs.com``)
``OSSIMG_REGION``        region of the buckets (default: the function's region)
``OSSIMG_RETRY_ATTEMPTS`` tries of one OSS call on throttling, 5xx or a dropped connection (default 5)
``OSSIMG_RETRY_BASE``    seconds of the first backoff, doubled per try, full jitter (default 0.05)
``OSSIMG_PROXY_FROM_ENV`` ``1``: OSS requests use the ``HTTP(S)_PROXY`` variables (default: not read)

Credentials come from ``context.credentials`` on the Python 3.10 runtime and from
``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN`` on Python 3.12,
where FC removed ``context.credentials`` (platform-facts §0.3).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from .errors import ConfigError


class Credentials(NamedTuple):
    """An access key, usually FC's temporary STS key for the function's role."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.access_key_id!r}, access_key_secret=..., security_token=...)"


class Settings(NamedTuple):
    """Everything the use case needs from the runtime."""

    region: str
    endpoint: str
    rules: str
    credentials: Credentials
    code_dir: Path
    rules_ttl: float = 60
    retry_attempts: int = 5
    retry_base: float = 0.05
    proxy_from_env: bool = False

    @classmethod
    def from_runtime(
        cls, context: Any, environ: Mapping[str, str] | None = None, code_dir: Path | None = None
    ) -> Settings:
        """Settings for this FC instance. Raises ConfigError naming what is missing."""
        env = os.environ if environ is None else environ
        region = env.get("OSSIMG_REGION") or getattr(context, "region", "") or env.get("FC_REGION", "")
        if not region:
            raise ConfigError("no region: set OSSIMG_REGION or run on FC (context.region).")
        return cls(
            region=region,
            endpoint=env.get("OSSIMG_OSS_ENDPOINT") or f"https://oss-{region}-internal.aliyuncs.com",
            rules=env.get("OSSIMG_RULES", "rules.yaml"),
            credentials=credentials_from(context, env),
            code_dir=code_dir or Path(env.get("FC_FUNC_CODE_PATH") or Path.cwd()),
            rules_ttl=_seconds(env.get("OSSIMG_RULES_TTL", "60"), "OSSIMG_RULES_TTL"),
            retry_attempts=_attempts(env.get("OSSIMG_RETRY_ATTEMPTS", "5")),
            retry_base=_seconds(env.get("OSSIMG_RETRY_BASE", "0.05"), "OSSIMG_RETRY_BASE"),
            proxy_from_env=env.get("OSSIMG_PROXY_FROM_ENV", "") == "1",
        )


def _attempts(value: str) -> int:
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 20:
        raise ConfigError(f"OSSIMG_RETRY_ATTEMPTS must be a whole number from 1 to 20, got {value!r}.")
    return int(value)


def _seconds(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {value!r}.") from None
    if seconds < 0:
        raise ConfigError(f"{name} must not be negative, got {value!r}.")
    return seconds


def credentials_from(context: Any, env: Mapping[str, str]) -> Credentials:
    """``context.credentials`` (Python 3.10) or the ``ALIBABA_CLOUD_*`` variables (Python 3.12)."""
    creds = getattr(context, "credentials", None)
    if creds is not None and getattr(creds, "access_key_id", None):
        return Credentials(creds.access_key_id, creds.access_key_secret, getattr(creds, "security_token", None) or None)
    key_id = env.get("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
    secret = env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
    if not key_id or not secret:
        raise ConfigError(
            "no credentials: context.credentials is absent and ALIBABA_CLOUD_ACCESS_KEY_ID / "
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET are not set (give the function a role)."
        )
    return Credentials(key_id, secret, env.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None)
