"""``ossimg deploy``: make FC match template.yml (create what is missing, update what exists).

Uses the FC 2.0 API through aliyun-fc2: the service (with its RAM role), each function (code from
``ossimg build``), its asynchronous-invocation settings (retries, on-failure destination) and its OSS
triggers. The role must exist; the template's ``Policies`` say what it must grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..fc.template import FunctionSpec, OssTrigger


@dataclass(frozen=True)
class Target:
    """Where and as whom to deploy."""

    region: str
    account_id: str
    role: str
    invocation_role: str


def deploy(client: Any, specs: list[FunctionSpec], build: Path, target: Target) -> list[str]:
    """Apply ``specs`` with an ``fc2.Client``; returns what was done, one line each."""
    done: list[str] = []
    for service in sorted({s.service for s in specs}):
        if _exists(lambda service=service: client.get_service(service)):
            client.update_service(service, role=target.role)
            done.append(f"updated service {service}")
        else:
            client.create_service(service, description="ossimg on-upload image processing", role=target.role)
            done.append(f"created service {service}")
    for spec in specs:
        done += _function(client, spec, build / spec.name, target)
    return done


def _function(client: Any, spec: FunctionSpec, code: Path, target: Target) -> list[str]:
    settings = {
        "initializer": spec.initializer or None, "initializationTimeout": spec.initialization_timeout,
        "codeDir": str(code), "memorySize": spec.memory, "timeout": spec.timeout,
        "environmentVariables": spec.environment,
    }  # fmt: skip
    if _exists(lambda: client.get_function(spec.service, spec.name)):
        client.update_function(spec.service, spec.name, runtime=spec.runtime, handler=spec.handler, **settings)
        lines = [f"updated function {spec.service}/{spec.name}"]
    else:
        client.create_function(spec.service, spec.name, spec.runtime, spec.handler, **settings)
        lines = [f"created function {spec.service}/{spec.name}"]
    config: dict[str, Any] = {"maxAsyncRetryAttempts": spec.async_retries}
    if spec.on_failure:
        config["destinationConfig"] = {"onFailure": {"destination": spec.on_failure}}
    client.put_function_async_invoke_config(spec.service, "LATEST", spec.name, config)
    lines.append(
        f"set async invocation of {spec.name}: {spec.async_retries} retries, on failure {spec.on_failure or '-'}"
    )
    for trigger in spec.triggers:
        lines.append(_trigger(client, spec, trigger, target))
    return lines


def _trigger(client: Any, spec: FunctionSpec, trigger: OssTrigger, target: Target) -> str:
    config = {"events": list(trigger.events), "filter": {"key": {"prefix": trigger.prefix, "suffix": trigger.suffix}}}
    if _exists(lambda: client.get_trigger(spec.service, spec.name, trigger.name)):
        client.update_trigger(spec.service, spec.name, trigger.name, triggerConfig=config,
                              invocationRole=target.invocation_role)  # fmt: skip
        return f"updated trigger {trigger.name} (oss://{trigger.bucket}/{trigger.prefix}*{trigger.suffix})"
    source = f"acs:oss:{target.region}:{target.account_id}:{trigger.bucket}"
    client.create_trigger(spec.service, spec.name, trigger.name, "oss", config, source, target.invocation_role)
    return f"created trigger {trigger.name} (oss://{trigger.bucket}/{trigger.prefix}*{trigger.suffix})"


def _exists(get: Any) -> bool:
    from fc2.fc_exceptions import FcError

    try:
        get()
    except FcError as exc:
        if exc.status_code == 404:
            return False
        raise
    return True
