"""A local Function Compute API (2016-08-15, what aliyun-fc2 speaks), kept in memory.

Requests are authenticated with FC's signature (``FC <ak>:<base64 HMAC-SHA256>``). Services,
functions (with their code), triggers and async-invocation settings are created, read and updated as
on FC, and ``invocations`` really run the uploaded code, unzipped, in process instances of
:class:`FunctionRunner` (synchronous ones answered with FC's payload or error, asynchronous ones
queued, retried and dispatched to several instances), so a deployment made with ``ossimg deploy`` can
be exercised end to end on one machine. The service role's policy is not known here, so an
on-failure destination refuses what reaches it (with a line saying so).

It is as strict as FC for what deploy sends (``api_checks``): OSS trigger configs, names, source and
invocation-role ARNs, the 10 triggers of a bucket and their non-overlapping filters, async settings
in range; PutFunctionAsyncInvokeConfig keeps what it is not sent, as FC 2.0 does; a trigger's
source cannot be updated; a service with functions, or a function with triggers, cannot be deleted.
``codeChecksum`` is the CRC-64 (ECMA-182) of the uploaded zip, the reading ``ossimg deploy`` takes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http
import io
import json
import re
import secrets
import threading
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fastcrc import crc64

from .api_checks import Refused, check_async, check_bucket, check_trigger
from .async_tasks import AsyncTasks, tracked
from .build_info import BuildMismatch
from .runner import CredentialSource, FunctionRunner
from .template import FunctionSpec

API = "/2016-08-15"
PATH = re.compile(
    r"^/2016-08-15/services(?:/(?P<svc>[^/.]+)(?:\.(?P<qualifier>[^/]+))?"
    r"(?:(?P<functions>/functions)(?:/(?P<fn>[^/]+)(?:/(?P<sub>triggers|invocations|async-invoke-config|code|stateful-async-invocations)(?:/(?P<name>[^/]+))?)?)?)?)?$"
)
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class FcApiError(Exception):
    """An FC error: status, ErrorCode and message, rendered as FC's JSON error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class FcApi:
    """One account's FC, as a WSGI app. ``runtime_env`` is added to every function's environment
    (e.g. the emulator's endpoint) and ``credentials`` are what its role would hand out."""

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        workdir: Path,
        credentials: CredentialSource,
        runtime_env: dict[str, str] | None = None,
        region: str = "cn-hangzhou",
        instances: int = 2,
        account_id: str = "1234567890123456",
    ) -> None:
        self._keys = {access_key_id: access_key_secret}
        self._workdir = workdir
        self._credentials = credentials
        self._runtime_env = runtime_env or {}
        self._region = region
        self.account_id = account_id
        self._instances = instances
        self._lock = threading.RLock()
        self.services: dict[str, dict[str, Any]] = {}
        self.functions: dict[tuple[str, str], dict[str, Any]] = {}
        self.code: dict[tuple[str, str], bytes] = {}
        self.triggers: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.async_configs: dict[tuple[str, str], dict[str, Any]] = {}
        self._runners: dict[tuple[str, str], FunctionRunner] = {}
        self.tasks = AsyncTasks()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = secrets.token_hex(16)
        try:
            path = unquote(environ.get("PATH_INFO", ""))
            headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
            for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                if environ.get(name):
                    headers[name.replace("_", "-").lower()] = environ[name]
            self._authenticate(environ["REQUEST_METHOD"], path, headers)
            length = int(headers.get("content-length") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            status, extra, payload = self._route(environ["REQUEST_METHOD"], path, headers, body)
        except Refused as exc:
            status, extra, payload = 400, {}, json.dumps({"ErrorCode": exc.code, "ErrorMessage": exc.message})
        except FcApiError as exc:
            status, extra, payload = exc.status, {}, json.dumps({"ErrorCode": exc.code, "ErrorMessage": exc.message})
        data = payload if isinstance(payload, bytes) else payload.encode()
        response_headers = {
            "Content-Type": "application/json",
            "X-Fc-Request-Id": request_id,
            "Content-Length": str(len(data)),
            **extra,
        }
        start_response(f"{status} {http.HTTPStatus(status).phrase}", list(response_headers.items()))
        return [data]

    def _authenticate(self, method: str, path: str, headers: dict[str, str]) -> None:
        access_key_id, _, signature = headers.get("authorization", "").removeprefix("FC ").partition(":")
        secret = self._keys.get(access_key_id)
        if secret is None:
            raise FcApiError(403, "InvalidAccessKeyID", f"access key id {access_key_id!r} does not exist")
        canonical = "".join(f"{k}:{headers[k]}\n" for k in sorted(h for h in headers if h.startswith("x-fc-")))
        text = "\n".join(
            [
                method,
                headers.get("content-md5", ""),
                headers.get("content-type", ""),
                headers.get("date", ""),
                canonical + path,
            ]
        )
        expected = base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, signature):
            raise FcApiError(403, "SignatureNotMatch", "the request signature does not match")

    def _route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        match = PATH.match(path)
        if match is None:
            raise FcApiError(404, "NotFound", f"no API at {path}")
        svc, fn, sub, name = match["svc"], match["fn"], match["sub"], match["name"]
        doc = json.loads(body) if body and sub != "invocations" else {}
        with self._lock:
            if match["functions"] is None:
                return self._services(method, svc, doc)
            self._service(svc)
            if fn is None and method == "POST":
                return self._functions(method, svc, str(doc.get("functionName", "")), doc)
            if fn is None:
                listed = [f for (s, _), f in self.functions.items() if s == svc]
                return 200, {}, json.dumps({"functions": listed})
            if sub is None and method == "DELETE":
                return self._delete_function(svc, fn)
            if sub is None:
                return self._functions(method, svc, fn, doc)
            self._function(svc, fn)
            if sub != "invocations":
                return self._function_part(method, svc, fn, sub, name, match["qualifier"], doc)
        if method == "POST":
            return self._invoke(svc, fn, headers, body)
        raise FcApiError(405, "MethodNotAllowed", f"{method} is not allowed on {path}")

    def _function_part(
        self, method: str, svc: str, fn: str, sub: str, name: str | None, qualifier: str | None, doc: dict[str, Any]
    ) -> tuple[int, dict[str, str], str]:
        if sub == "triggers":
            return self._triggers(method, svc, fn, name, doc)
        if sub == "async-invoke-config":
            return self._async_config(method, svc, fn, qualifier, doc)
        if sub == "stateful-async-invocations":
            return self._task(svc, fn, name)
        return 200, {}, json.dumps({"checksum": self.functions[(svc, fn)]["codeChecksum"]})

    def _task(self, svc: str, fn: str, name: str | None) -> tuple[int, dict[str, str], str]:
        """GetStatefulAsyncInvocation."""
        task = self.tasks.describe(svc, fn, name or "")
        if task is None:
            raise FcApiError(404, "StatefulAsyncInvocationNotFound", f"no asynchronous task {name} of {svc}/{fn}")
        return 200, {}, json.dumps(task)

    def _service(self, svc: str) -> dict[str, Any]:
        if svc not in self.services:
            raise FcApiError(404, "ServiceNotFound", f"service {svc} does not exist")
        return self.services[svc]

    def _function(self, svc: str, fn: str) -> dict[str, Any]:
        if (svc, fn) not in self.functions:
            raise FcApiError(404, "FunctionNotFound", f"function {fn} does not exist in service {svc}")
        return self.functions[(svc, fn)]

    def _delete_function(self, svc: str, fn: str) -> tuple[int, dict[str, str], str]:
        self._function(svc, fn)
        if any(key[:2] == (svc, fn) for key in self.triggers):
            raise FcApiError(400, "InvalidArgument", f"function {fn} still has triggers: delete them first")
        del self.functions[(svc, fn)]
        self.code.pop((svc, fn), None)
        self.async_configs.pop((svc, fn), None)
        stale = self._runners.pop((svc, fn), None)
        if stale is not None:
            stale.close()
        return 204, {}, ""

    def _async_config(
        self, method: str, svc: str, fn: str, qualifier: str | None, doc: dict[str, Any]
    ) -> tuple[int, dict[str, str], str]:
        current = self.async_configs.get((svc, fn))
        if method == "PUT":
            check_async(doc)
            # FC 2.0 keeps the items a PUT does not send (platform-facts, "Async invocation").
            kept = {**(current or {}), **{k: v for k, v in doc.items() if v is not None}}
            self.async_configs[(svc, fn)] = {**kept, "service": svc, "function": fn, "qualifier": qualifier}
            self._drop_runner(svc, fn)
            return 200, {}, json.dumps(self.async_configs[(svc, fn)])
        if current is None:
            raise FcApiError(404, "AsyncConfigNotExists", f"no async invoke config for {svc}/{fn}")
        if method == "DELETE":
            del self.async_configs[(svc, fn)]
            self._drop_runner(svc, fn)
            return 204, {}, ""
        return 200, {}, json.dumps(current)

    def _drop_runner(self, svc: str, fn: str) -> None:
        stale = self._runners.pop((svc, fn), None)  # the next invocation starts instances with the new settings
        if stale is not None:
            stale.close()

    def _services(self, method: str, svc: str | None, doc: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        if method == "POST" and svc is None:
            name = doc.get("serviceName", "")
            if name in self.services:
                raise FcApiError(409, "ServiceAlreadyExists", f"service {name} already exists")
            self.services[name] = {
                **doc,
                "serviceId": secrets.token_hex(8),
                "createdTime": _now(),
                "lastModifiedTime": _now(),
            }
            return 200, {}, json.dumps(self.services[name])
        if svc is None:
            return 200, {}, json.dumps({"services": list(self.services.values())})
        service = self._service(svc)
        if method == "DELETE":
            if any(s == svc for s, _ in self.functions):
                raise FcApiError(400, "InvalidArgument", f"service {svc} still has functions: delete them first")
            del self.services[svc]
            return 204, {}, ""
        if method == "PUT":
            service.update({k: v for k, v in doc.items() if v is not None}, lastModifiedTime=_now())
        return 200, {}, json.dumps(service)

    def _functions(self, method: str, svc: str, fn: str, doc: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        key = (svc, fn)
        if method == "GET":
            return 200, {}, json.dumps(self._function(svc, fn))
        if method == "POST" and key in self.functions:
            raise FcApiError(409, "FunctionAlreadyExists", f"function {fn} already exists in service {svc}")
        fresh: dict[str, Any] = {"functionId": secrets.token_hex(8), "createdTime": _now()}
        current = self._function(svc, fn) if method == "PUT" else fresh
        code = (doc.pop("code", None) or {}).get("zipFile")
        current.update({k: v for k, v in doc.items() if v is not None}, lastModifiedTime=_now())
        if code:
            self.code[key] = base64.b64decode(code)
            current["codeChecksum"] = str(int(crc64.xz(self.code[key])))
            current["codeSize"] = len(self.code[key])
        self.functions[key] = current
        stale = self._runners.pop(key, None)  # the next invocation starts new instances of the new code
        if stale is not None:
            stale.close()
        return 200, {}, json.dumps(current)

    def _triggers(
        self, method: str, svc: str, fn: str, name: str | None, doc: dict[str, Any]
    ) -> tuple[int, dict[str, str], str]:
        if method == "POST":
            name = str(doc.get("triggerName", ""))
            if (svc, fn, name) in self.triggers:
                raise FcApiError(409, "TriggerAlreadyExists", f"trigger {name} already exists")
            check_trigger(doc, self._region, self.account_id)
            check_bucket(doc, list(self.triggers.values()))
            fresh = {k: v for k, v in doc.items() if k != "qualifier" or v is not None}
            self.triggers[(svc, fn, name)] = {**fresh, "createdTime": _now(), "lastModifiedTime": _now()}
            return 200, {}, json.dumps(self.triggers[(svc, fn, name)])
        if name is None:
            listed = [t for (s, f, _), t in self.triggers.items() if (s, f) == (svc, fn)]
            return 200, {}, json.dumps({"triggers": listed})
        trigger = self.triggers.get((svc, fn, name))
        if trigger is None:
            raise FcApiError(404, "TriggerNotFound", f"trigger {name} does not exist")
        if method == "DELETE":
            del self.triggers[(svc, fn, name)]
            return 204, {}, ""
        if method == "PUT":
            changed = {**trigger, **{k: v for k, v in doc.items() if v is not None and k != "sourceArn"}}
            check_trigger(changed, self._region, self.account_id)
            check_bucket(changed, [t for k, t in self.triggers.items() if k != (svc, fn, name)])
            trigger.update(changed, lastModifiedTime=_now())
        return 200, {}, json.dumps(trigger)

    def _invoke(self, svc: str, fn: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        try:
            runner = self._runner(svc, fn)
        except BuildMismatch as exc:  # FC would fail at the first compiled import; say why instead
            error = json.dumps({"errorMessage": str(exc), "errorType": "BuildMismatch"}).encode()
            return 200, {"x-fc-error-type": "UnhandledInvocationError"}, error
        if headers.get("x-fc-invocation-type", "Sync").lower() == "async":
            task = (
                headers.get("x-fc-stateful-async-invocation-id", "")
                if tracked(self.async_configs.get((svc, fn), {}), headers)
                else ""
            )
            if task and self.tasks.exists(svc, fn, task):
                raise FcApiError(409, "StatefulAsyncInvocationAlreadyExists", f"asynchronous task {task} exists")
            accepted = runner.submit(body)
            if task:
                self.tasks.add(svc, fn, task, accepted)
            return 202, {"X-Fc-Request-Id": accepted.request_id}, b""
        result = runner.invoke(body)
        if not result.ok:
            return 200, {"x-fc-error-type": result.error_kind}, result.error_body()
        return 200, {}, result.result

    def drain(self, timeout: float = 120) -> bool:
        """Wait until every asynchronous invocation accepted so far is settled; False on timeout."""
        with self._lock:
            runners = list(self._runners.values())
        return all(runner.drain(timeout) for runner in runners)

    def close(self) -> None:
        """Stop every function's instances."""
        with self._lock:
            runners = list(self._runners.values())
            self._runners.clear()
        for runner in runners:
            runner.close()

    def _runner(self, svc: str, fn: str) -> FunctionRunner:
        with self._lock:
            key = (svc, fn)
            if key not in self._runners:
                config = self._function(svc, fn)
                code_dir = self._workdir / svc / fn / config["codeChecksum"]
                if not code_dir.exists():
                    zipfile.ZipFile(io.BytesIO(self.code[key])).extractall(code_dir)
                async_config = self.async_configs.get(key, {})
                on_failure = ((async_config.get("destinationConfig") or {}).get("onFailure") or {}).get("destination")
                spec = FunctionSpec(
                    service=svc,
                    name=fn,
                    handler=config["handler"],
                    runtime=config["runtime"],
                    code_uri=str(code_dir),
                    initializer=config.get("initializer") or "",
                    memory=int(config.get("memorySize", 128)),
                    timeout=int(config.get("timeout", 3)),
                    initialization_timeout=int(config.get("initializationTimeout") or 3),
                    environment=dict(config.get("environmentVariables") or {}),
                    async_retries=int(async_config.get("maxAsyncRetryAttempts", 3)),
                    max_event_age=int(async_config.get("maxAsyncEventAgeInSeconds", 86400)),
                    on_failure=str(on_failure or ""),
                )
                self._runners[key] = FunctionRunner(
                    spec,
                    code_dir,
                    self._credentials,
                    region=self._region,
                    env=self._runtime_env,
                    instances=self._instances,
                )
            return self._runners[key]
