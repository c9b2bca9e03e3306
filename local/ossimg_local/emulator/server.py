"""The emulator as a WSGI app, served by waitress in a background thread (port 0 works)."""

from __future__ import annotations

import http
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..serving import HEADER_TIMEOUT, ThreadedServer
from .auth import authenticate
from .backend import Backend
from .errors import NoSuchBucket, OssError
from .permissions import authorize
from .routes import Handler, operation, resolve, route_key
from .wire import Request, Response, error_response, header_safe, parse_environ

log = logging.getLogger("ossimg.emulator")
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class EmulatorApp:
    """WSGI entry: parse, authenticate once, authorise, dispatch, render errors the OSS way."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = parse_environ(environ)
        try:
            request.check_names()
            key = route_key(request)
            handler = resolve(key)
            request.credential = authenticate(request, self.backend.keyring, self._region(request.bucket))
            authorize(self.backend, request, key)
            response = self._call(handler, request, operation(key))
        except OssError as error:
            response = error_response(error, request)
        except Exception:
            log.exception("internal error on %s /%s/%s", request.method, request.bucket, request.key)
            response = error_response(OssError(), request)
        response.finish(request)
        unsafe = [name for name, value in response.headers.items() if not header_safe(value)]
        if unsafe:
            # A value the server could not send (CR, LF, a character past latin-1) is a bug in whatever
            # put it there; it must not become a half-written response or a dropped connection.
            log.error(
                "internal error on %s /%s/%s: unsendable header %s",
                request.method,
                request.bucket,
                request.key,
                ", ".join(unsafe),
            )
            _close(response.body)
            response = error_response(OssError(), request).finish(request)
        reason = http.HTTPStatus(response.status).phrase
        start_response(f"{response.status} {reason}", list(response.headers.items()))
        body = response.body
        return [body] if isinstance(body, bytes) else body

    def _region(self, bucket: str) -> str:
        """The region a V4 signature must name: the bucket's, or for a bucket that does not exist
        (PutBucket) and the service, the region this emulator's endpoint is in."""
        if not bucket:
            return self.backend.region
        try:
            return self.backend.store.get_bucket_info(bucket).region
        except NoSuchBucket:
            return self.backend.region

    def _call(self, handler: Handler, request: Request, op: str) -> Response:
        faults = self.backend.faults
        fault = faults.decide(op, request.bucket, request.key) if faults.rules else None
        if fault is not None and fault.action == "delay":
            time.sleep(fault.delay_ms / 1000)
        elif fault is not None and fault.action == "error":
            raise InjectedFault(fault.status, fault.code)
        elif fault is not None and fault.action == "drop":
            # Promise a body and send none: the server then closes the connection mid-response,
            # which the client sees as a dropped connection. The request is not executed.
            return Response(200, {"Content-Length": "64"}, [b""])
        response = handler(self.backend, request)
        if response.status < 300:
            faults.executed(op, request.bucket, request.key)
        return response


def _close(body: object) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


class InjectedFault(OssError):
    """An error the fault injector chose: any status and code, OSS-shaped."""

    def __init__(self, status: int, code: str) -> None:
        self.status, self.code = status, code
        super().__init__(f"Injected fault: {code}.")


class EmulatorServer(ThreadedServer):
    """The emulator on a free (or given) port, served in a background thread."""

    def __init__(
        self,
        backend: Backend,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 16,
        *,
        connections: int | None = None,
        header_timeout: float = HEADER_TIMEOUT,
    ) -> None:
        super().__init__(
            EmulatorApp(backend),
            host,
            port,
            threads,
            ident="AliyunOSS",
            exact_header_names=True,
            connections=connections,
            header_timeout=header_timeout,
        )
        self.backend = backend

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self


def serve_forever(backend: Backend, host: str, port: int) -> None:
    """Serve in the foreground until interrupted (the ``ossimg emulator`` command)."""
    server = EmulatorServer(backend, host, port)
    print(f"OSS emulator ready at {server.endpoint} (region {backend.region})", flush=True)
    server.serve_until_interrupted()
