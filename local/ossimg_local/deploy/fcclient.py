"""aliyun-fc2, quietly, with every failure as one line.

fc2 logs through the root logger: each 4xx/5xx answer is a ``logging.error`` line with the request
headers, the ``authorization`` signature and any ``x-fc-security-token`` included, and a normal
first deploy meets several 404s (``fc2/client.py``, ``_do_request``). Its retries log through
urllib3. While ``quiet()`` is active both are dropped; ossimg reports the outcome itself, naming the
operation, FC's status and error code, its message and what to do. Nothing here prints a header.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")

# What to do about each FC error code (FC API: 400 InvalidArgument; 403 AccessDenied,
# InvalidAccessKeyId, SignatureNotMatch, RequestTimeTooSkewed; 404 ServiceNotFound, …).
ADVICE = {
    "InvalidAccessKeyID": "check ALIBABA_CLOUD_ACCESS_KEY_ID: FC knows no such key",
    "InvalidAccessKeyId": "check ALIBABA_CLOUD_ACCESS_KEY_ID: FC knows no such key",
    "SignatureNotMatch": "check ALIBABA_CLOUD_ACCESS_KEY_SECRET: it does not belong to that key id",
    "RequestTimeTooSkewed": "this machine's clock is off: set it right (NTP) and deploy again",
    "AccessDenied": "the deploying user lacks a permission: `ossimg roles` prints the policy it needs",
    "InvalidArgument": "FC refused a setting from template.yml: fix the field the message names",
    "ResourceExhausted": "an FC limit was reached: see the message",
    "EntityTooLarge": "the code package is too large for a direct upload: make the build smaller",
}


# Refusals that mean the command was pointed at the wrong place or with the wrong keys.
WRONG_KEYS = {"InvalidAccessKeyID", "InvalidAccessKeyId", "SignatureNotMatch"}


class DeployError(Exception):
    """One line saying what failed and what to do; ``usage`` when the fix is in how deploy was called
    (the endpoint, the keys) rather than in what it deploys."""

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


class _Fc2Lines(logging.Filter):
    """Drops fc2's own log records (they carry request headers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "/fc2/" not in record.pathname.replace("\\", "/")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No fc2 or urllib3 log line reaches any handler while this is active. fc2's lines start at the
    root logger, where a filter sees them; urllib3's retry warnings start at ``urllib3.connectionpool``,
    which a filter on the root or on ``urllib3`` never sees (filters apply only where a record starts),
    so the ``urllib3`` logger's level is raised instead, and its children, whose level is unset,
    inherit it."""
    root, urllib3 = logging.getLogger(), logging.getLogger("urllib3")
    fc2_lines, level = _Fc2Lines(), urllib3.level
    root.addFilter(fc2_lines)
    urllib3.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        root.removeFilter(fc2_lines)
        urllib3.setLevel(level)


def reachable(endpoint: str, timeout: float = 5.0) -> None:
    """Raise DeployError in one line when nothing answers at ``endpoint``'s host and port (fc2 would
    retry a refused connection for half a minute, then raise a traceback's worth of urllib3)."""
    parts = urlsplit(endpoint if "://" in endpoint else "https://" + endpoint)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            pass
    except OSError as exc:
        raise DeployError(
            f"cannot reach FC at {endpoint} ({exc.strerror or exc}): check --endpoint, which is "
            "https://<account id>.<region>.fc.aliyuncs.com",
            usage=True,
        ) from None


def client(endpoint: str, key_id: str, secret: str, token: str = "") -> Any:
    """An ``fc2.Client`` for ``endpoint``, once something answers there."""
    import fc2

    reachable(endpoint)
    return fc2.Client(endpoint=endpoint, accessKeyID=key_id, accessKeySecret=secret, securityToken=token)


def fc_error(exc: BaseException) -> tuple[int, str, str] | None:
    """(status, FC error code, FC's message) of an fc2 error, None for anything else."""
    from fc2.fc_exceptions import FcError

    if not isinstance(exc, FcError):
        return None
    try:
        body = json.loads(exc.message)
    except (TypeError, ValueError):
        body = {}
    message = str(body.get("ErrorMessage") or exc.message or "")
    return int(exc.status_code), str(exc.err_code or body.get("ErrorCode") or ""), message


def call(what: str, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one fc2 ``operation``; any failure becomes a DeployError naming ``what``."""
    import requests

    try:
        with quiet():
            return operation(*args, **kwargs)
    except requests.JSONDecodeError:  # fc2 reads an error answer as JSON before raising
        raise DeployError(
            f"{what}: the endpoint answered with something that is not FC's JSON: check --endpoint, "
            "which is https://<account id>.<region>.fc.aliyuncs.com",
            usage=True,
        ) from None
    except requests.RequestException as exc:
        raise DeployError(
            f"{what}: no answer from FC ({type(exc).__name__}): check the endpoint and the network, then deploy again"
        ) from None
    except Exception as exc:
        found = fc_error(exc)
        if found is None:
            raise
        status, code, message = found
        advice = ADVICE.get(code, "see FC's message")
        raise DeployError(
            f"{what}: FC answered {status} {code or '(no code)'}: {message.rstrip('.')}; {advice}",
            usage=code in WRONG_KEYS,
        ) from None


def missing(exc: DeployError) -> bool:
    """Whether ``exc`` says FC has no such resource (a 404)."""
    return ": FC answered 404 " in str(exc)


def get_or_none(what: str, operation: Callable[..., Any], *args: Any) -> dict[str, Any] | None:
    """The resource's attributes, or None when FC answers 404."""
    try:
        answer = call(what, operation, *args)
    except DeployError as exc:
        if missing(exc):
            return None
        raise
    data = answer.data
    return data if isinstance(data, dict) else None
