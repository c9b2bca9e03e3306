"""A WSGI app served by waitress in a background thread: port 0 works, ``stop()`` is clean."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import waitress.server
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.task import WSGITask


class ExactHeaderNamesTask(WSGITask):  # type: ignore[misc]
    """Sends response header names as the app wrote them. waitress capitalises every name
    (``X-Oss-Meta-Color``); OSS sends its own headers in lower case, and clients take user-metadata
    names from the ``x-oss-meta-*`` headers exactly as they arrive."""

    def build_response_header(self) -> bytes:
        given = {name.lower(): name for name, _ in self.response_headers}
        status, *lines = bytes(super().build_response_header()).decode("latin-1")[:-4].split("\r\n")
        named = [given.get(name.lower(), name) + ": " + value for name, _, value in (h.partition(": ") for h in lines)]
        return "\r\n".join([status, *named, "", ""]).encode("latin-1")


class ExactHeaderNamesChannel(HTTPChannel):  # type: ignore[misc]
    task_class = ExactHeaderNamesTask


class ThreadedServer:
    """``start()``, ``endpoint``, ``stop()``; also a context manager."""

    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int = 0, threads: int = 16, ident: str = "",
        *, exact_header_names: bool = False,
    ) -> None:  # fmt: skip
        self._server: Any = waitress.server.create_server(
            app, host=host, port=port, threads=threads, ident=ident or "ossimg", channel_timeout=60,
            clear_untrusted_proxy_headers=True,
        )  # fmt: skip
        if exact_header_names:
            self._server.channel_class = ExactHeaderNamesChannel
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
