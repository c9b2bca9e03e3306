"""What FC hands a Python function: the ``context`` per runtime and the instance's environment.

Python 3.10 (FC Python "Context" page): ``request_id``, ``credentials`` (``access_key_id``,
``access_key_secret``, ``security_token``), ``function`` (``name``, ``handler``, ``memory``,
``timeout``), ``service`` (``name``, ``log_project``, ``log_store``, ``qualifier``, ``version_id``),
``region``, ``account_id``. Python 3.12: ``credentials`` and ``service`` are gone; ``function``
gains ``version_id`` and ``qualifier``; ``logger`` (None until asked for), ``log_project`` and
``log_store`` move to the top; the keys are in ``ALIBABA_CLOUD_*`` variables instead.

The context travels to the instance as a JSON document; the instance turns it into attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

QUALIFIER = "LATEST"
# What FC's instances find in their environment before the function's own variables (a minimal,
# deterministic set: nothing leaks in from the shell that started the local cloud).
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


@dataclass(frozen=True)
class Credentials:
    """``context.credentials`` (3.10 runtime): the function role's temporary STS key."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class Placement:
    """Where a function runs: its service, name, region and account."""

    service: str
    function: str
    region: str
    account_id: str


def runtime_uses_env_credentials(runtime: str) -> bool:
    """True for runtimes that dropped ``context.credentials`` (python3.12 and later)."""
    version = runtime.removeprefix("python3.")
    return version.isdigit() and int(version) >= 12


def context_doc(
    runtime: str, request_id: str, where: Placement, handler: str, memory: int, timeout: int, credentials: Credentials
) -> dict[str, Any]:
    """The ``context`` of one request, shaped as ``runtime`` shapes it."""
    function: dict[str, Any] = {"name": where.function, "handler": handler, "memory": memory, "timeout": timeout}
    if runtime_uses_env_credentials(runtime):
        return {
            "request_id": request_id,
            "function": {**function, "version_id": "", "qualifier": QUALIFIER},
            "region": where.region,
            "account_id": where.account_id,
            "logger": None,
            "log_project": "",
            "log_store": "",
        }
    return {
        "request_id": request_id,
        "credentials": {
            "access_key_id": credentials.access_key_id,
            "access_key_secret": credentials.access_key_secret,
            "security_token": credentials.security_token,
        },
        "function": function,
        "service": {
            "name": where.service,
            "log_project": "",
            "log_store": "",
            "qualifier": QUALIFIER,
            "version_id": "",
        },
        "region": where.region,
        "account_id": where.account_id,
    }


def instance_env(
    where: Placement, handler: str, memory: int, code_dir: str, instance_id: str, credentials: Credentials
) -> dict[str, str]:
    """The variables FC sets in every instance ("Configure environment variables", system variables),
    role credentials included on both runtimes."""
    return {
        "FC_FUNC_CODE_PATH": code_dir,
        "FC_ACCOUNT_ID": where.account_id,
        "FC_REGION": where.region,
        "FC_SERVICE_NAME": where.service,
        "FC_FUNCTION_NAME": where.function,
        "FC_FUNCTION_HANDLER": handler,
        "FC_FUNCTION_MEMORY_SIZE": str(memory),
        "FC_QUALIFIER": QUALIFIER,
        "FC_INSTANCE_ID": instance_id,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": credentials.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": credentials.access_key_secret,
        "ALIBABA_CLOUD_SECURITY_TOKEN": credentials.security_token,
    }
