"""``ossimg deploy``: make FC match template.yml, as the plan (``plan.py``) says.

Uses the FC 2.0 API through aliyun-fc2, quietly (``fcclient``): the service (role, log config),
each function (code from ``ossimg build``, refused unless built for the template's runtime), its
asynchronous-invocation settings (every one sent, after deleting what FC holds, since
PutFunctionAsyncInvokeConfig keeps what it is not sent: funcraft ``function-async-config.js`` does the
same), its OSS triggers, and the removal of orphans. Order: services, then triggers to delete or
replace (so a trigger's filter is free before one takes it again), functions, async settings, new and
changed triggers, and last the orphan functions.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastcrc import crc64

from ..fc.build_info import BuildInfo
from ..fc.runtimes import UnknownRuntime, runtime_target
from ..fc.template import FunctionSpec
from .fcclient import DeployError, call
from .plan import Change, Current, Desired, Target, desired, plan, read_current

__all__ = ["DeployError", "Deployment", "Target", "check_builds", "code_zip", "deploy", "prepare"]

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # a fixed time: the same build makes the same zip, so the same checksum


def check_builds(specs: list[FunctionSpec], build: Path) -> None:
    """Refuse, in one line, a build missing or made for another runtime than the template's."""
    for spec in specs:
        folder = build / spec.name
        info = BuildInfo.read(folder)
        if info is None:
            raise DeployError(f"{folder} is not an `ossimg build` of {spec.name}: run `make build` first")
        try:
            why = info.unfit_for(runtime_target(spec.runtime))
        except UnknownRuntime as exc:
            raise DeployError(str(exc)) from None
        if why:
            raise DeployError(
                f"{folder} cannot be deployed as {spec.name} (Runtime {spec.runtime}): {why}; run `make build`"
            )


def code_zip(folder: Path) -> bytes:
    """The build as the zip FC receives: every file, sorted, with fixed times and its mode."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            item = zipfile.ZipInfo(path.relative_to(folder).as_posix(), _ZIP_TIME)
            item.external_attr = (path.stat().st_mode & 0o777 | 0o100000) << 16
            item.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(item, path.read_bytes())
    return data.getvalue()


def checksum(data: bytes) -> str:
    """CRC-64/ECMA-182 of ``data`` as OSS and FC write it (a decimal string)."""
    return str(int(crc64.xz(data)))  # CRC-64/XZ: ECMA-182, reflected, all ones in and out


@dataclass
class Deployment:
    """A plan and what applying it needs."""

    client: Any
    specs: list[FunctionSpec]
    target: Target
    want: Desired
    have: Current
    changes: list[Change]
    zips: dict[str, bytes]


def prepare(
    client: Any, specs: list[FunctionSpec], build: Path, target: Target, *, keep_orphans: bool = False
) -> Deployment:
    """Check the builds, read FC's state, and plan."""
    check_builds(specs, build)
    zips = {spec.name: code_zip(build / spec.name) for spec in specs}
    want = desired(specs, target, {name: checksum(data) for name, data in zips.items()})
    have = read_current(client, sorted(want.services))
    return Deployment(client, specs, target, want, have, plan(want, have, keep_orphans=keep_orphans), zips)


def deploy(deployment: Deployment) -> list[str]:
    """Apply the plan; returns what was done, one line each."""
    done = []
    for change in deployment.changes:
        if change.action != "keep":
            _apply(deployment, change)
        done.append(change.line())
    return done


def _apply(d: Deployment, change: Change) -> None:
    key = tuple(change.name.split("/"))
    what = f"{change.action} {change.kind} {change.name}"
    if change.kind == "service":
        service = d.want.services[change.name]
        operation = d.client.create_service if change.action == "create" else d.client.update_service
        call(
            what,
            operation,
            change.name,
            description=service["description"],
            role=service["role"],
            logConfig=service.get("logConfig"),
        )
    elif change.kind == "trigger":
        _trigger(d, change, (key[0], key[1], key[2]), what)
    elif change.kind == "function":
        _function(d, change, (key[0], key[1]), what)
    elif change.kind == "async config":
        svc, fn = key[0], key[1]
        if (svc, fn) in d.have.asyncs:
            call(what, d.client.delete_function_async_invoke_config, svc, "LATEST", fn)
        call(what, d.client.put_function_async_invoke_config, svc, "LATEST", fn, d.want.asyncs[(svc, fn)])


def _trigger(d: Deployment, change: Change, key: tuple[str, str, str], what: str) -> None:
    svc, fn, name = key
    if change.action in ("delete", "replace"):
        call(what, d.client.delete_trigger, svc, fn, name)
    if change.action in ("create", "replace"):
        t = d.want.triggers[key]
        call(
            what,
            d.client.create_trigger,
            svc,
            fn,
            name,
            t["triggerType"],
            t["triggerConfig"],
            t["sourceArn"],
            t["invocationRole"],
        )
    elif change.action == "update":
        t = d.want.triggers[key]
        call(
            what,
            d.client.update_trigger,
            svc,
            fn,
            name,
            triggerConfig=t["triggerConfig"],
            invocationRole=t["invocationRole"],
        )


def _function(d: Deployment, change: Change, key: tuple[str, str], what: str) -> None:
    svc, fn = key
    if change.action == "delete":  # its triggers went first: FC deletes no function that still has one
        call(what, d.client.delete_function, svc, fn)
        return
    f = d.want.functions[key]
    settings = {
        "initializer": f["initializer"],
        "initializationTimeout": f["initializationTimeout"],
        "memorySize": f["memorySize"],
        "timeout": f["timeout"],
        "description": f["description"] or None,
        "environmentVariables": f["environmentVariables"],
    }
    with tempfile.TemporaryDirectory(prefix="ossimg-deploy-") as scratch:
        code = str(Path(scratch) / f"{fn}.zip")
        Path(code).write_bytes(d.zips[fn])
        if change.action == "create":
            call(what, d.client.create_function, svc, fn, f["runtime"], f["handler"], codeZipFile=code, **settings)
        else:
            upload = {"codeZipFile": code} if "code" in change.fields else {}
            call(
                what,
                d.client.update_function,
                svc,
                fn,
                runtime=f["runtime"],
                handler=f["handler"],
                **upload,
                **settings,
            )
