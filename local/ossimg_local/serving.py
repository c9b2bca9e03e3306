"""A WSGI app served by waitress in a background thread: port 0 works, ``stop()`` is clean.

Slow or idle clients cannot lock others out. waitress stops accepting at 100 connections by default,
so 100 clients that trickle their headers in (a byte every few seconds keeps waitress's idle timer
from firing) shut everyone else out. Here:

* the connection limit is 1,000 (or half the process's file-descriptor limit, if that is lower);
* a request's headers must arrive within ``header_timeout`` (15 s) of its first byte, or the
  connection is closed; a body, once the headers are in, is subject to the idle timeout only, so a
  large upload on a slow link still completes;
* a connection with nothing in flight is closed after ``channel_timeout`` (60 s) without a byte.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

import waitress.server
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.task import WSGITask

CONNECTION_LIMIT = 1000
HEADER_TIMEOUT = 15.0
IDLE_TIMEOUT = 60


def connection_limit() -> int:
    """:data:`CONNECTION_LIMIT`, or half the soft limit on open files when that is lower: each
    connection holds a descriptor, and a server out of descriptors cannot even accept to refuse."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return CONNECTION_LIMIT
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return CONNECTION_LIMIT if soft == resource.RLIM_INFINITY else max(10, min(CONNECTION_LIMIT, soft // 2))


class BoundedParser(HTTPRequestParser):  # type: ignore[misc]
    """waitress's request parser, except that a Content-Length of more than 4,300 digits (Python's
    limit for ``int``) is a 400 like any other malformed one, instead of an exception that waitress
    logs as uncaptured and answers by dropping the connection."""

    def parse_header(self, header_plus: bytes) -> None:
        try:
            super().parse_header(header_plus)
        except ValueError:
            raise ParsingError("Content-Length is invalid") from None


class KeepAliveTask(WSGITask):  # type: ignore[misc]
    """Keeps the connection open after a 204 or 304. waitress closes it after any HTTP/1.1 answer
    without a Content-Length, though these two have no body to delimit (RFC 9110 §8.6 forbids them
    the header), so every DeleteObject cost its client a new connection; OSS keeps it alive."""

    _bodiless = False

    def build_response_header(self) -> bytes:
        asked = self.request.headers.get("CONNECTION", "").lower()
        self._bodiless = not self.has_body and self.version == "1.1" and asked != "close"
        try:
            return bytes(super().build_response_header())
        finally:
            self._bodiless = False

    def set_close_on_finish(self) -> None:
        if not self._bodiless:
            super().set_close_on_finish()


class GuardedChannel(HTTPChannel):  # type: ignore[misc]
    """A connection that must deliver each request's headers within the server's ``header_timeout``
    of their first byte; one that trickles them in slower is closed."""

    parser_class = BoundedParser
    task_class = KeepAliveTask
    header_started: float | None = None

    def received(self, data: bytes) -> bool:
        done = bool(super().received(data))
        if self.request is None or self.request.headers_finished:
            self.header_started = None
        elif self.header_started is None:
            self.header_started = time.monotonic()
        return done

    def readable(self) -> bool:
        # The server's loop asks every channel this at least once a second, data or not.
        limit: float | None = getattr(self.server, "header_timeout", None)
        started = self.header_started
        if limit is not None and started is not None and not self.requests and time.monotonic() - started > limit:
            self.will_close = True
        return bool(super().readable())


class ExactHeaderNamesTask(KeepAliveTask):
    """Sends response header names as the app wrote them. waitress capitalises every name
    (``X-Oss-Meta-Color``); OSS sends its own headers in lower case, and clients take user-metadata
    names from the ``x-oss-meta-*`` headers exactly as they arrive."""

    def build_response_header(self) -> bytes:
        given = {name.lower(): name for name, _ in self.response_headers}
        status, *lines = bytes(super().build_response_header()).decode("latin-1")[:-4].split("\r\n")
        named = [given.get(name.lower(), name) + ": " + value for name, _, value in (h.partition(": ") for h in lines)]
        return "\r\n".join([status, *named, "", ""]).encode("latin-1")


class ExactHeaderNamesChannel(GuardedChannel):
    task_class = ExactHeaderNamesTask


class ThreadedServer:
    """``start()``, ``endpoint``, ``stop()``; also a context manager."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 16,
        ident: str = "",
        *,
        exact_header_names: bool = False,
        connections: int | None = None,
        header_timeout: float = HEADER_TIMEOUT,
        channel_timeout: int = IDLE_TIMEOUT,
    ) -> None:
        self._server: Any = waitress.server.create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            ident=ident or "ossimg",
            channel_timeout=channel_timeout,
            connection_limit=connections or connection_limit(),
            clear_untrusted_proxy_headers=True,
        )
        # Requests beyond the worker threads wait their turn, as on a busy OSS; waitress would log
        # "Task queue depth is N" for each one, a line per request under make up's load.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        self._server.header_timeout = header_timeout
        self._server.channel_class = ExactHeaderNamesChannel if exact_header_names else GuardedChannel
        self._thread = threading.Thread(target=self._server.run, name=f"{ident or 'wsgi'}-server", daemon=True)

    @property
    def endpoint(self) -> str:
        """``http://host:port``."""
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    def start(self) -> ThreadedServer:
        """Serve in a daemon thread; the socket is already listening when this returns."""
        self._thread.start()
        return self

    def run(self) -> None:
        """Serve in the calling thread."""
        self._server.run()

    def serve_until_interrupted(self) -> None:
        """Serve in the calling thread until Ctrl-C, then close everything."""
        try:
            self.run()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Close every connection and the listening socket, then join the serving thread."""
        server = self._server
        if self._thread.is_alive():
            # Closing sockets must happen on the loop's own thread: the trigger runs it there. The
            # thunk is queued before the trigger's pipe is written, so a worker thread's own wake-up
            # can run it first, and it closes that very pipe: our write then fails, harmlessly.
            with contextlib.suppress(OSError):
                server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
            self._thread.join(timeout=10)
        else:
            wasyncore.close_all(server._map)
        server.task_dispatcher.shutdown()

    def __enter__(self) -> ThreadedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
