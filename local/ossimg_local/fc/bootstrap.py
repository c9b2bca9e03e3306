"""The inside of one local FC instance: the program a child interpreter runs, never part of a package.

Started as ``python3.X -I -S -B -u bootstrap.py CODE_DIR HANDLER INITIALIZER FD_IN FD_OUT`` with the
code folder as its working directory. ``-I -S`` leave only the standard library importable; this
program then puts the code folder first on ``sys.path``, as FC puts ``/code``, so a module the
package lacks fails here as it fails on FC. ``-B`` because FC's code folder is read-only.

It must import nothing but the standard library: it runs inside the function's interpreter, which
may be another Python than the runner's. Requests and replies are length-prefixed JSON frames on
two private pipes (``FD_IN``, ``FD_OUT``); stdout and stderr stay the function's log, in which this
program writes FC's ``FC Initialize/Invoke Start/End RequestId: …`` lines around each request.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import struct
import sys
import traceback
from typing import Any

HEADER = struct.Struct(">I")


class Attrs:
    """A context field with attributes (FC's FCContext, FunctionMeta, ServiceMeta, Credentials)."""

    def __init__(self, fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            setattr(self, name, Attrs(value) if isinstance(value, dict) else value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({vars(self)!r})"


def read_frame(fd: int) -> dict[str, Any] | None:
    """The next request, or None once the runner has closed the pipe (the instance then exits)."""
    header = _read_exact(fd, HEADER.size)
    if header is None:
        return None
    body = _read_exact(fd, HEADER.unpack(header)[0])
    return None if body is None else dict(json.loads(body))


def write_frame(fd: int, message: dict[str, Any]) -> None:
    """Send one reply."""
    body = json.dumps(message).encode()
    data = HEADER.pack(len(body)) + body
    while data:
        data = data[os.write(fd, data) :]


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = os.read(fd, size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def log_line(text: str) -> None:
    """One of FC's own log lines, after everything the function wrote so far."""
    sys.stderr.flush()
    out = sys.__stdout__
    if out is not None:
        out.write(text + "\n")
        out.flush()


def error_reply(exc: BaseException) -> dict[str, Any]:
    """FC's error body for an exception: errorMessage, errorType, stackTrace (FC Python "Error handling")."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:  # the function's frames only
        tb = tb.tb_next
    frames = traceback.extract_tb(tb)
    stack = [[f'File "{f.filename}"', f"line {f.lineno}", f"in {f.name}", f.line or ""] for f in frames]
    # FC prints the stack trace to the function's log as well as answering with it.
    traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
    return {"ok": False, "errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": stack}


def payload(result: Any) -> str:
    """The response body, base64: bytes as they are, text as UTF-8, anything else as ``str()``.

    Why str(): FC's documentation does not say how a non-text return value is rendered.
    """
    if result is None:
        data = b""
    elif isinstance(result, bytes):
        data = result
    else:
        data = (result if isinstance(result, str) else str(result)).encode()
    return base64.b64encode(data).decode()


class Function:
    """The handler module, loaded once, and its entry points."""

    def __init__(self, handler: str, initializer: str) -> None:
        self.handler = handler
        self.initializer = initializer

    def entry(self, name: str) -> Any:
        """``module.function`` from the code folder, imported the first time it is asked for."""
        module_name, _, function = name.rpartition(".")
        return getattr(importlib.import_module(module_name), function)

    def initialize(self, message: dict[str, Any]) -> dict[str, Any]:
        """Run the initializer once, between FC's Initialize Start/End lines."""
        request_id = message["request_id"]
        log_line(f"FC Initialize Start RequestId: {request_id}")
        try:
            self.entry(self.initializer)(Attrs(message["context"]))
            reply: dict[str, Any] = {"ok": True}
        except Exception as exc:  # the initializer's failure is the reply, the instance lives on
            reply = error_reply(exc)
        log_line(f"FC Initialize End RequestId: {request_id}")
        return reply

    def invoke(self, message: dict[str, Any]) -> dict[str, Any]:
        """Call the handler with the event as bytes, between FC's Invoke Start/End lines."""
        request_id = message["request_id"]
        log_line(f"FC Invoke Start RequestId: {request_id}")
        try:
            result = self.entry(self.handler)(base64.b64decode(message["event"]), Attrs(message["context"]))
            reply: dict[str, Any] = {"ok": True, "payload": payload(result)}
        except Exception as exc:  # the handler's failure is the reply, the instance lives on
            reply = error_reply(exc)
        log_line(f"FC Invoke End RequestId: {request_id}")
        return reply


def main(argv: list[str]) -> int:
    """Serve requests until the runner closes the request pipe."""
    code_dir, handler, initializer, fd_in, fd_out = argv[1], argv[2], argv[3], int(argv[4]), int(argv[5])
    sys.path.insert(0, code_dir)
    function = Function(handler, initializer)
    while True:
        message = read_frame(fd_in)
        if message is None:
            return 0
        if message["op"] == "initialize":
            write_frame(fd_out, function.initialize(message))
        else:
            write_frame(fd_out, function.invoke(message))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
