"""FC context objects as the Python runtimes build them (platform-facts §0.3, sdk-wire-notes §5).

Python 3.10: ``context.credentials`` and ``context.service`` exist. Python 3.12: both are gone and
the credentials are in ``ALIBABA_CLOUD_*`` environment variables instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Credentials:
    """``context.credentials`` (3.10 runtime): the function role's temporary STS key."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class FunctionMeta:
    """``context.function``."""

    name: str
    handler: str
    memory: int
    timeout: int
    initializer: str = ""


@dataclass(frozen=True)
class ServiceMeta:
    """``context.service`` (3.10 runtime only)."""

    name: str
    log_project: str = ""
    log_store: str = ""
    qualifier: str = "LATEST"
    version_id: str = ""


@dataclass(frozen=True)
class Context:
    """The ``context`` argument. ``credentials``/``service`` are None on the 3.12 runtime."""

    request_id: str
    function: FunctionMeta
    region: str
    account_id: str
    credentials: Credentials | None = None
    service: ServiceMeta | None = None


def runtime_uses_env_credentials(runtime: str) -> bool:
    """True for runtimes that dropped ``context.credentials`` (python3.12 and later)."""
    version = runtime.removeprefix("python3.")
    return version.isdigit() and int(version) >= 12


def make_context(
    function: FunctionMeta, service: str, runtime: str, region: str, credentials: Credentials, account_id: str
) -> Context:
    """A fresh context for one invocation, shaped as ``runtime`` shapes it."""
    request_id = str(uuid.uuid4())
    if runtime_uses_env_credentials(runtime):
        return Context(request_id, function, region, account_id)
    return Context(request_id, function, region, account_id, credentials, ServiceMeta(service))


def credential_env(runtime: str, credentials: Credentials) -> dict[str, str]:
    """Environment variables the runtime adds for the function's credentials."""
    if not runtime_uses_env_credentials(runtime):
        return {}
    return {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": credentials.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": credentials.access_key_secret,
        "ALIBABA_CLOUD_SECURITY_TOKEN": credentials.security_token,
    }
