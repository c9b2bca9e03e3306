"""``ossimg deploy --plan``: what deploying template.yml would change in FC, resource by resource.

The desired state is what the template says, in FC 2.0's API shape; the current state is read from
FC (GetService, ListFunctions, GetFunctionAsyncInvokeConfig, ListTriggers). Each resource is then
created, updated (with the fields that differ), deleted (a function or trigger of a template's
service that the template no longer has: an orphan, kept instead with ``--keep-orphans``), or
replaced: FC cannot change a trigger's source (``UpdateTrigger`` takes no ``sourceArn``,
platform-facts "Triggers"), so a trigger whose bucket changed is deleted and created again.

Readings where FC's documents are silent: a function's code is compared by FC's ``codeChecksum``,
taken to be the CRC-64 (ECMA-182, as OSS computes it) of the uploaded zip, which ossimg builds
byte for byte reproducibly (if FC computes it otherwise, the plan shows a code update each time,
which costs one upload); services the template does not name are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..fc.template import FunctionSpec
from ..triggers import filters_overlap
from .fcclient import call, get_or_none

# FC 2.0's ranges for asynchronous invocation (PutFunctionAsyncInvokeConfig; platform-facts).
RETRIES = (0, 8)
EVENT_AGE = (1, 2_592_000)


class PlanError(ValueError):
    """A template setting FC would refuse, named with its function and allowed range."""


@dataclass(frozen=True)
class Target:
    """Where and as whom to deploy."""

    region: str
    account_id: str
    role: str
    invocation_role: str

    def complete(self, arn: str) -> str:
        """``acs:mns:::/queues/q/messages`` with this deploy's region and account (as fun does:
        funcraft ``function-async-config.js``); a complete ARN is kept."""
        return arn.replace(":::", f":{self.region}:{self.account_id}:", 1) if ":::" in arn else arn


@dataclass(frozen=True)
class Change:
    """One resource's change: ``create``, ``update`` (``fields``), ``delete``, ``replace`` or ``keep``."""

    action: str
    kind: str
    name: str
    fields: tuple[str, ...] = ()
    detail: str = ""

    def line(self) -> str:
        mark = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "keep": "="}[self.action]
        text = f"{mark} {self.action} {self.kind} {self.name}"
        if self.fields:
            text += ": " + ", ".join(self.fields)
        return text + (f" ({self.detail})" if self.detail else "")


@dataclass
class FcState:
    """The template's services in FC, in the API's shape: what FC should hold (``desired``) or holds
    now (``read_current``)."""

    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    functions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    asyncs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    triggers: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)


Desired = FcState
Current = FcState


def desired(specs: list[FunctionSpec], target: Target, checksums: dict[str, str]) -> Desired:
    """The template as FC's API writes it; ``checksums`` maps each function to its zip's checksum."""
    want = Desired()
    for spec in specs:
        service: dict[str, Any] = {"description": spec.service_description, "role": target.role}
        if spec.log is not None:
            service["logConfig"] = {
                "project": spec.log.project,
                "logstore": spec.log.logstore,
                "enableRequestMetrics": spec.log.request_metrics,
                "enableInstanceMetrics": spec.log.instance_metrics,
            }
        want.services[spec.service] = service
        want.functions[(spec.service, spec.name)] = {
            "runtime": spec.runtime,
            "handler": spec.handler,
            "initializer": spec.initializer or None,
            "initializationTimeout": spec.initialization_timeout,
            "memorySize": spec.memory,
            "timeout": spec.timeout,
            "environmentVariables": spec.environment,
            "description": spec.description,
            "codeChecksum": checksums.get(spec.name, ""),
        }
        want.asyncs[(spec.service, spec.name)] = async_config(spec, target)
        for trigger in spec.triggers:
            want.triggers[(spec.service, spec.name, trigger.name)] = {
                "triggerType": "oss",
                "sourceArn": f"acs:oss:{target.region}:{target.account_id}:{trigger.bucket}",
                "invocationRole": target.invocation_role,
                "triggerConfig": {
                    "events": list(trigger.events),
                    "filter": {"key": {"prefix": trigger.prefix, "suffix": trigger.suffix}},
                },
            }
    return want


def async_config(spec: FunctionSpec, target: Target) -> dict[str, Any]:
    """Every asynchronous-invocation setting, range-checked. Raises PlanError."""
    name = f"{spec.service}/{spec.name}"
    for what, value, (low, high) in (
        ("MaxAsyncRetryAttempts", spec.async_retries, RETRIES),
        ("MaxAsyncEventAgeInSeconds", spec.max_event_age, EVENT_AGE),
    ):
        if not low <= value <= high:
            raise PlanError(f"template.yml: {name}: AsyncConfiguration.{what} must be in [{low}, {high}], got {value}")
    destinations: dict[str, Any] = {}
    for key, arn in (("onSuccess", spec.on_success), ("onFailure", spec.on_failure)):
        if arn:
            destinations[key] = {"destination": target.complete(arn)}
    return {
        "maxAsyncRetryAttempts": spec.async_retries,
        "maxAsyncEventAgeInSeconds": spec.max_event_age,
        "destinationConfig": destinations,
        "statefulInvocation": spec.stateful,
    }


def read_current(client: Any, services: list[str]) -> Current:
    """FC's state of ``services``, their functions, async settings and triggers."""
    now = Current()
    for svc in services:
        service = get_or_none(f"reading service {svc}", client.get_service, svc)
        if service is None:
            continue
        now.services[svc] = service
        for fn in _all(client.list_functions, "functions", f"listing the functions of {svc}", svc):
            name = str(fn.get("functionName"))
            now.functions[(svc, name)] = fn
            config = get_or_none(
                f"reading the async settings of {svc}/{name}",
                client.get_function_async_invoke_config,
                svc,
                "LATEST",
                name,
            )
            if config is not None:
                now.asyncs[(svc, name)] = config
            for trigger in _all(client.list_triggers, "triggers", f"listing the triggers of {svc}/{name}", svc, name):
                now.triggers[(svc, name, str(trigger.get("triggerName")))] = trigger
    return now


def _all(operation: Any, key: str, what: str, *args: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        page = call(what, operation, *args, limit=100, nextToken=token).data
        items += page.get(key) or []
        token = page.get("nextToken")
        if not token:
            return items


def differs(want: dict[str, Any], have: dict[str, Any]) -> tuple[str, ...]:
    """The fields of ``want`` whose value ``have`` does not hold (FC adds fields of its own)."""
    changed = []
    for key, value in want.items():
        current = have.get(key)
        if isinstance(value, dict) and isinstance(current, dict) and key != "environmentVariables":
            if differs(value, current) or (not value and current):
                changed.append(key)
        elif (value or None) != (current or None):
            changed.append("code" if key == "codeChecksum" else key)
    return tuple(changed)


# FC turns a service's logging off when sent a log config that names no project and no logstore.
NO_LOGS = {"project": "", "logstore": "", "enableRequestMetrics": False, "enableInstanceMetrics": False}


def plan(want: Desired, have: Current, *, keep_orphans: bool = False) -> list[Change]:
    """The changes that make ``have`` into ``want``, in the order they are applied (every trigger
    deleted or replaced goes before any is created: FC refuses overlapping filters on a bucket).
    Raises PlanError for a kept orphan whose filter overlaps a trigger the template wants."""
    orphan = (
        ("keep", "not in template.yml; kept (--keep-orphans)") if keep_orphans else ("delete", "not in template.yml")
    )
    for svc, service in want.services.items():  # a LogConfig taken out of the template is turned off
        if "logConfig" not in service and ((have.services.get(svc) or {}).get("logConfig") or {}).get("project"):
            service["logConfig"] = dict(NO_LOGS)
    if keep_orphans:
        _check_kept(want, have)
    gone = _gone_or_moved_triggers(want, have, orphan)
    replaced = {change.name for change in gone if change.action == "replace"}
    return [
        *_changed("service", want.services, have.services),
        *gone,
        *_changed("function", want.functions, have.functions),
        *_changed("async config", want.asyncs, have.asyncs),
        *_new_or_changed_triggers(want, have, replaced),
        *(
            Change(orphan[0], "function", "/".join(key), (), orphan[1])
            for key in have.functions
            if key not in want.functions
        ),
    ]


def _changed(kind: str, want: dict[Any, dict[str, Any]], have: dict[Any, dict[str, Any]]) -> list[Change]:
    changes = []
    for key, value in want.items():
        name = key if isinstance(key, str) else "/".join(key)
        if key not in have:
            changes.append(Change("create", kind, name))
        elif fields := differs(value, have[key]):
            changes.append(Change("update", kind, name, fields))
    return changes


def _gone_or_moved_triggers(want: Desired, have: Current, orphan: tuple[str, str]) -> list[Change]:
    changes = []
    for key, trigger in have.triggers.items():
        wanted = want.triggers.get(key)
        if wanted is None:
            changes.append(Change(orphan[0], "trigger", "/".join(key), (), orphan[1]))
        elif trigger.get("sourceArn") != wanted["sourceArn"]:
            detail = f"source {trigger.get('sourceArn')} -> {wanted['sourceArn']}: FC cannot change it"
            changes.append(Change("replace", "trigger", "/".join(key), (), detail))
        elif _filter(trigger) != _filter(wanted) and any(
            _overlaps(wanted, other) for k, other in have.triggers.items() if k != key
        ):
            detail = f"filter {_where(trigger)} -> {_where(wanted)} overlaps another trigger until that one changes"
            changes.append(Change("replace", "trigger", "/".join(key), (), detail))
    return changes


def _check_kept(want: Desired, have: Current) -> None:
    for key, kept in have.triggers.items():
        if key in want.triggers:
            continue
        for name, wanted in want.triggers.items():
            if _overlaps(wanted, kept):
                raise PlanError(
                    f"trigger {'/'.join(key)} ({_where(kept)}), kept with --keep-orphans, overlaps trigger "
                    f"{'/'.join(name)} ({_where(wanted)}) that template.yml wants, and FC refuses overlapping "
                    "filters on a bucket: deploy without --keep-orphans, or delete it first"
                )


def _filter(trigger: dict[str, Any]) -> tuple[str, str]:
    key = ((trigger.get("triggerConfig") or {}).get("filter") or {}).get("key") or {}
    return str(key.get("prefix") or ""), str(key.get("suffix") or "")


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Could one object match both triggers' filters (on the same bucket)? FC refuses that."""
    return a.get("sourceArn") == b.get("sourceArn") and filters_overlap(_filter(a), _filter(b))


def _new_or_changed_triggers(want: Desired, have: Current, replaced: set[str]) -> list[Change]:
    changes = []
    for key, trigger in want.triggers.items():
        current = have.triggers.get(key)
        if current is None:
            changes.append(Change("create", "trigger", "/".join(key), (), _where(trigger)))
        elif (
            trigger["sourceArn"] == current.get("sourceArn")
            and "/".join(key) not in replaced
            and (fields := differs({k: trigger[k] for k in ("invocationRole", "triggerConfig")}, current))
        ):
            changes.append(Change("update", "trigger", "/".join(key), fields, _where(trigger)))
    return changes


def _where(trigger: dict[str, Any]) -> str:
    key = trigger["triggerConfig"]["filter"]["key"]
    bucket = str(trigger["sourceArn"]).rsplit(":", 1)[-1]
    return f"oss://{bucket}/{key['prefix']}*{key['suffix']}"
