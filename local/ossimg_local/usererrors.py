"""What a user of the ``ossimg`` command can get wrong, said in one line with a documented exit code.

Exit codes (README, "Exit codes"):

- 0: done;
- 1: what was checked is wrong: invalid rules, an invalid event, a variant that failed;
- 2: the command cannot run as asked: arguments, a missing file or variable, a port in use, an
  endpoint that does not answer, keys that are refused;
- 70: a bug in ossimg (the one line says so; ``OSSIMG_DEBUG=1`` prints the traceback);
- 130: interrupted (Ctrl-C);
- 141: the output was closed early (``ossimg … | head``), as for a shell tool stopped by SIGPIPE.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from collections.abc import Callable
from urllib.parse import urlsplit

from ossimg.errors import OssImgError, RuleFileError

EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_BUG = 70
EXIT_INTERRUPTED = 130
EXIT_CLOSED_PIPE = 141


class UsageError(Exception):
    """Raised when a command cannot run as asked; ``message`` says what to change."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def port_in_use(host: str, port: int, option: str = "--port") -> UsageError:
    """The error for a port another program holds."""
    return UsageError(
        f"port {port} on {host} is in use (another `ossimg up` or emulator?): stop that program, "
        f"or choose another port with {option} (make up PORT=…)"
    )


def rules_problem(exc: RuleFileError) -> UsageError:
    """A rule file that does not validate: one line per problem (one line in all for one problem)."""
    text = exc.errors[0].message if len(exc.errors) == 1 else exc.message
    return UsageError(text, EXIT_PROBLEMS)


def explain(exc: BaseException) -> tuple[str, int]:
    """The line and exit code for an exception that ended a command."""
    if isinstance(exc, UsageError):
        return exc.message, exc.exit_code
    if isinstance(exc, RuleFileError):
        problem = rules_problem(exc)
        return problem.message, problem.exit_code
    if isinstance(exc, OssImgError):
        return exc.message, EXIT_PROBLEMS
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", EXIT_INTERRUPTED
    if isinstance(exc, FileNotFoundError):
        return f"no such file or folder: {exc.filename}", EXIT_USAGE
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return "a port it needs is in use: stop the program holding it, or choose another with --port", EXIT_USAGE
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror}", EXIT_USAGE
    remote = _remote(exc)
    if remote is not None:
        return remote, EXIT_USAGE
    return (
        f"internal error, a bug in ossimg: {type(exc).__name__}: {exc} (run again with OSSIMG_DEBUG=1 for the "
        "traceback, and report it)",
        EXIT_BUG,
    )


def _remote(exc: BaseException) -> str | None:
    """Errors of the clients that talk to a cloud endpoint (requests, aliyun-fc2), without importing them."""
    kind = f"{type(exc).__module__}.{type(exc).__name__}"
    if kind.startswith("requests.exceptions.") and "Connection" in kind:
        url = urlsplit(getattr(getattr(exc, "request", None), "url", None) or "")
        where = f"{url.scheme}://{url.netloc}" if url.netloc else "the endpoint"
        return f"cannot reach {where}: nothing answers there (check --endpoint / ENDPOINT=)"
    if kind == "fc2.fc_exceptions.FcError":
        code, message = getattr(exc, "err_code", ""), str(getattr(exc, "message", exc))
        with contextlib.suppress(ValueError, AttributeError):
            message = json.loads(message).get("ErrorMessage", message)  # fc2 passes FC's JSON body on
        status = getattr(exc, "status_code", "")
        hint = " (check ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET)" if status in (401, 403) else ""
        return f"Function Compute refused the request: {status} {code}: {message}{hint}"
    return None


def run(command: str, body: Callable[[], int]) -> int:
    """Run ``body``; any exception becomes ``ossimg <command>: <line>`` on stderr and its exit code."""
    try:
        code = body()
        sys.stdout.flush()  # a closed pipe shows here at the latest, not at the interpreter's exit
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except (Exception, KeyboardInterrupt) as exc:
        if os.environ.get("OSSIMG_DEBUG"):
            raise
        line, code = explain(exc)
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            return _closed_pipe()
        print(f"ossimg {command}: {line}", file=sys.stderr, flush=True)
        return code


def _closed_pipe() -> int:
    """Whoever read the output stopped: say nothing more, and let the interpreter's own last flush
    of stdout go nowhere rather than fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_CLOSED_PIPE
