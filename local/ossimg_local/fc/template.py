"""Read template.yml (Aliyun::Serverless 2018-04-03): services, functions and their OSS triggers.

The properties read are funcraft's (``src/lib/validate/schema``): a service's ``Description``,
``Policies`` and ``LogConfig`` (``Project``, ``Logstore``, ``EnableRequestMetrics``,
``EnableInstanceMetrics``); a function's ``Handler``, ``Runtime``, ``Initializer``, timeouts, memory,
``EnvironmentVariables`` and ``AsyncConfiguration`` (``MaxAsyncRetryAttempts``,
``MaxAsyncEventAgeInSeconds``, ``Destination.OnSuccess`` / ``OnFailure``); its ``OSS`` events'
``BucketName``, ``Events`` and ``Filter.Key``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ..triggers import trigger_matches
from ..usererrors import EXIT_PROBLEMS, UsageError

SERVICE = "Aliyun::Serverless::Service"
FUNCTION = "Aliyun::Serverless::Function"


@dataclass(frozen=True)
class OssTrigger:
    """An OSS trigger: which bucket, which event names (``oss:`` prefixed), which key filter."""

    name: str
    bucket: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""

    def matches(self, bucket: str, event_name: str, key: str) -> bool:
        """Would OSS deliver ``event_name`` (without ``oss:``) for ``bucket/key`` to this trigger?"""
        return trigger_matches(self.bucket, self.events, self.prefix, self.suffix, bucket, event_name, key)


@dataclass(frozen=True)
class LogConfig:
    """Where FC sends a service's function logs (Log Service), and whether it adds request metrics."""

    project: str
    logstore: str
    request_metrics: bool = False
    instance_metrics: bool = False


@dataclass(frozen=True)
class FunctionSpec:
    """One function of a service, as the template declares it."""

    service: str
    name: str
    handler: str
    runtime: str
    code_uri: str
    initializer: str = ""
    memory: int = 128
    timeout: int = 3
    initialization_timeout: int = 3
    environment: dict[str, str] = field(default_factory=dict)
    triggers: tuple[OssTrigger, ...] = ()
    policies: tuple[Any, ...] = ()
    async_retries: int = 3  # FC's default for asynchronous invocations
    max_event_age: int = 86400  # MaxAsyncEventAgeInSeconds; FC's default (PutAsyncInvokeConfigInput)
    on_failure: str = ""
    on_success: str = ""
    stateful: bool = False  # StatefulInvocation: FC tracks each asynchronous task (backfill --via fc)
    log: LogConfig | None = None
    description: str = ""
    service_description: str = ""


def load_template(path: Path) -> list[FunctionSpec]:
    """Every function in ``path``. Raises UsageError naming the file and line for YAML that cannot be
    read (a duplicate trigger name, say)."""
    try:
        doc = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UsageError(f"{where}: {problem}", EXIT_PROBLEMS) from None
    specs = []
    for service_name, service in (doc.get("Resources") or {}).items():
        if not isinstance(service, dict) or service.get("Type") != SERVICE:
            continue
        props = service.get("Properties") or {}
        common = {
            "policies": tuple(props.get("Policies") or ()),
            "log": _log(props.get("LogConfig")),
            "service_description": str(props.get("Description") or ""),
        }
        for name, fn in service.items():
            if isinstance(fn, dict) and fn.get("Type") == FUNCTION:
                specs.append(_function(service_name, name, fn, common))
    return specs


def _log(doc: Any) -> LogConfig | None:
    if not isinstance(doc, dict) or not (doc.get("Project") or doc.get("Logstore")):
        return None
    metrics = bool(doc.get("EnableRequestMetrics", False)), bool(doc.get("EnableInstanceMetrics", False))
    return LogConfig(str(doc.get("Project") or ""), str(doc.get("Logstore") or ""), *metrics)


def _function(service: str, name: str, fn: dict[str, Any], common: dict[str, Any]) -> FunctionSpec:
    props = fn.get("Properties") or {}
    async_config = props.get("AsyncConfiguration") or {}
    triggers = []
    for trigger_name, event in (fn.get("Events") or {}).items():
        if event.get("Type") != "OSS":
            continue
        p = event.get("Properties") or {}
        key = ((p.get("Filter") or {}).get("Key")) or {}
        triggers.append(
            OssTrigger(
                trigger_name,
                p["BucketName"],
                tuple(p.get("Events") or ()),
                key.get("Prefix") or "",
                key.get("Suffix") or "",
            )
        )
    return FunctionSpec(
        service=service,
        name=name,
        handler=props["Handler"],
        runtime=props.get("Runtime", "python3.10"),
        code_uri=props.get("CodeUri", "."),
        initializer=props.get("Initializer", ""),
        memory=int(props.get("MemorySize", 128)),
        timeout=int(props.get("Timeout", 3)),
        initialization_timeout=int(props.get("InitializationTimeout", 3)),
        environment={k: str(v) for k, v in (props.get("EnvironmentVariables") or {}).items()},
        triggers=tuple(triggers),
        async_retries=int(async_config.get("MaxAsyncRetryAttempts", 3)),
        max_event_age=int(async_config.get("MaxAsyncEventAgeInSeconds", 86400)),
        on_failure=str((async_config.get("Destination") or {}).get("OnFailure", "")),
        on_success=str((async_config.get("Destination") or {}).get("OnSuccess", "")),
        stateful=async_config.get("StatefulInvocation", False) is True,
        description=str(props.get("Description") or ""),
        **common,
    )
