"""FC glue: what one function instance keeps (settings, rules, the OSS client), the initializer,
the handler's body and its deadline. ``functions/on_upload/index.py`` calls these and nothing else.
"""

from __future__ import annotations

import json
from typing import Any, Protocol, TextIO

from .errors import ConfigError, OssImgError
from .logs import JsonLog
from .on_upload import DEFAULT_TIMEOUT, run
from .oss import OssClient
from .retry import Backoff, Deadline
from .rules.compiled import RuleIndex
from .settings import Settings

FUNCTION = "on_upload"


class FcFunction(Protocol):
    """``context.function``: the parts this function reads."""

    name: str
    timeout: int


class FcContext(Protocol):
    """FC's ``context`` argument, on both Python runtimes (``credentials`` exists only on 3.10 and
    is read with ``getattr`` by :class:`Settings`)."""

    request_id: str
    region: str
    account_id: str
    function: FcFunction


class Instance:
    """What an FC instance keeps between invocations: rules and the OSS client, built once."""

    def __init__(self, settings: Settings) -> None:
        from .rules_source import RulesSource

        self.settings = settings
        self._client: OssClient | None = None
        self.source = RulesSource(settings.rules, settings.code_dir, self.client, ttl=settings.rules_ttl)

    def rules(self, log: JsonLog) -> RuleIndex:
        """The current rules (loaded on first use; kept in OSS, revalidated by ETag)."""
        return self.source.get(log)

    def client(self) -> OssClient:
        """The OSS client, built (and oss2 imported) on first use."""
        if self._client is None:
            from .oss import Oss2Client

            s = self.settings
            self._client = Oss2Client(s.endpoint, s.region, s.credentials, proxy_from_env=s.proxy_from_env)
        return self._client


_current: list[Instance] = []


def instance(context: FcContext, log: JsonLog) -> Instance:
    """This process's Instance; rebuilt only when the settings change (e.g. rotated credentials).

    Raises ConfigError after logging it: an instance that cannot start says why in a JSON line too.
    """
    try:
        settings = Settings.from_runtime(context)
    except ConfigError as exc:
        log.error("instance cannot start", error_code=exc.code, error_message=exc.message)
        raise
    if not _current or _current[0].settings != settings:
        _current[:] = [Instance(settings)]
    return _current[0]


def initialize(context: FcContext, stream: TextIO | None = None) -> None:
    """FC initializer: read the settings and load the rules before the first event.

    It does not build the OSS client: that imports oss2, which costs about as much as the rest of a
    cold start, and an event no rule matches never needs it. The first event with work pays for it.
    """
    log = JsonLog(stream, request_id=getattr(context, "request_id", ""), function=FUNCTION)
    instance(context, log).rules(log)


def deadline_of(context: Any) -> Deadline:
    """When this invocation must answer: FC's timeout for the function, less a safety margin, in
    which FC still lets it run."""
    timeout = float(getattr(getattr(context, "function", None), "timeout", 0) or DEFAULT_TIMEOUT)
    margin = min(5.0, timeout * 0.1)
    return Deadline.after(timeout - margin, grace=margin)


def handle(event: bytes | str, context: FcContext, stream: TextIO | None = None) -> str:
    """FC handler body: run the event and return its summary as JSON."""
    deadline = deadline_of(context)
    log = JsonLog(stream, request_id=getattr(context, "request_id", ""), function=FUNCTION)
    inst = instance(context, log)
    try:
        rules = inst.rules(log)
    except OssImgError as exc:
        # Without rules nothing can be decided: fail, so FC retries once the rules are fixed.
        log.error("rules unavailable", source=inst.settings.rules, error_code=exc.code, error_message=exc.message)
        raise
    s = inst.settings
    summary = run(event, rules, inst.client, log, deadline=deadline, backoff=Backoff(s.retry_attempts, s.retry_base))
    return json.dumps(summary.as_fields())
