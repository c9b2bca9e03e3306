"""Which Python runs a function's instances: the runtime's own (``python3.10`` …) when one really
runs on this machine, else this one, said clearly.

A ``python3.10`` on PATH may be a pyenv shim that fails ("command not found"); each candidate is
started once to ask its version, and only one that answers counts. pyenv keeps real interpreters
under ``~/.pyenv/versions/3.10.*/bin/``, which are tried next.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_PROBE = (
    "import json, sys, sysconfig; "
    "print(json.dumps({'version': '%d.%d' % sys.version_info[:2], 'platform': sysconfig.get_platform()}))"
)


@dataclass(frozen=True)
class Interpreter:
    """A Python that runs: where it is, its ``major.minor`` version and platform, and whether it is
    the runtime's own (``exact``) or this machine's stand-in."""

    path: str
    version: str
    platform: str
    exact: bool = True

    @property
    def abi(self) -> str:
        """The CPython wheel tag of its compiled modules, e.g. ``cp310``."""
        return "cp" + self.version.replace(".", "")

    @property
    def runtime(self) -> str:
        """The FC runtime name this interpreter is, e.g. ``python3.10``."""
        return f"python{self.version}"


def runtime_version(runtime: str) -> str:
    """``python3.10`` -> ``3.10`` (empty for a runtime that is not a Python one)."""
    return runtime.removeprefix("python") if runtime.startswith("python3.") else ""


@functools.cache
def find_interpreter(runtime: str) -> Interpreter:
    """The interpreter for FC's ``runtime``; this process's own Python (``exact=False``) when none runs here."""
    version = runtime_version(runtime)
    for candidate in _candidates(version):
        found = probe(candidate)
        if found is not None and found.version == version:
            return found
    host = probe(sys.executable)
    if host is None:  # cannot happen: this interpreter is running
        raise RuntimeError(f"{sys.executable} does not answer")
    return Interpreter(host.path, host.version, host.platform, exact=host.version == version)


def _candidates(version: str) -> list[str]:
    if not version:
        return []
    name = f"python{version}"
    found = [shutil.which(name) or ""]
    pyenv = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    found += sorted(
        (str(p) for p in Path(pyenv).glob(f"versions/{version}.*/bin/{name}")), key=_version_key, reverse=True
    )
    found += [f"/usr/bin/{name}", f"/usr/local/bin/{name}"]
    return [path for path in dict.fromkeys(found) if path and os.access(path, os.X_OK)]


def _version_key(path: str) -> tuple[int, ...]:
    """``…/versions/3.10.13/bin/python3.10`` sorts by (3, 10, 13)."""
    text = Path(path).parents[1].name
    return tuple(int(part) if part.isdigit() else -1 for part in text.split("."))


@functools.cache
def probe(path: str) -> Interpreter | None:
    """Ask ``path`` what it is; None when it does not run (a failing shim, a missing file)."""
    try:
        done = subprocess.run([path, "-I", "-S", "-c", _PROBE], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return Interpreter(path, str(answer["version"]), str(answer["platform"]))
