"""What a built code folder was built for, written by ``ossimg build`` and checked by the runner.

Compiled dependencies (pydantic-core, cryptography, ruamel.yaml.clib) load only in the Python they
were built for. The build records that Python in ``.fc-build.json`` at the folder's root; the runner
refuses, in one line, to start instances of a build made for another Python than the one it starts,
where FC would fail at the first import of a compiled module.

A build made for FC names its ``runtime`` (its wheels are the runtime's: CPython 3.10, manylinux up to
glibc 2.28, …); a build made for this machine's Python so that the local cloud can run it where the
runtime's interpreter is missing names none, and ``ossimg deploy`` refuses it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .interpreter import Interpreter
from .runtimes import RuntimeTarget

BUILD_INFO = ".fc-build.json"


class BuildMismatch(Exception):
    """Raised when a build's dependencies were made for another Python than the instance's."""


@dataclass(frozen=True)
class BuildInfo:
    """The target of a build's dependency layer: Python ``version``, wheel ``abi`` tag, ``platform``
    (the newest wheel platform tag it holds), and the FC ``runtime`` it was made for ("" for a build
    made for this machine's Python, to be run locally only).

    ``dependencies`` is False for a build made without them (``ossimg build --no-deps``), which
    any Python may run (and which then fails at its first third-party import, as FC would).
    ``bytecode`` says whether the dependencies were compiled (only the runtime's own interpreter can).
    """

    version: str
    abi: str
    platform: str
    requirements: tuple[str, ...] = ()
    dependencies: bool = True
    runtime: str = ""
    bytecode: bool = True

    @classmethod
    def for_interpreter(cls, interpreter: Interpreter, requirements: tuple[str, ...], *, deps: bool) -> BuildInfo:
        """What a build with ``interpreter``'s own wheels is for: this machine, not FC."""
        return cls(interpreter.version, interpreter.abi, interpreter.platform, requirements, deps)

    @classmethod
    def for_runtime(
        cls, target: RuntimeTarget, requirements: tuple[str, ...], *, deps: bool, bytecode: bool
    ) -> BuildInfo:
        """What a build with ``target``'s wheels is for: FC's runtime."""
        return cls(target.version, target.abi, target.platform, requirements, deps, target.runtime, bytecode)

    def unfit_for(self, target: RuntimeTarget) -> str:
        """Why FC's ``target`` runtime cannot run this build ("" when it can)."""
        if not self.dependencies:
            return "it was built without its dependencies (--no-deps)"
        if self.runtime != target.runtime or self.abi != target.abi or self.platform != target.platform:
            made = f"runtime {self.runtime}" if self.runtime else "this machine's Python, for local runs only"
            return (
                f"it was built for Python {self.version} ({self.abi}, {self.platform}; {made}), "
                f"not for {target.runtime} ({target.describe()})"
            )
        return ""

    def write(self, folder: Path) -> None:
        """Record this in ``folder``."""
        (folder / BUILD_INFO).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> BuildInfo | None:
        """The record in ``folder``; None for a folder that was not made by ``ossimg build``."""
        path = folder / BUILD_INFO
        if not path.is_file():
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            doc["version"],
            doc["abi"],
            doc["platform"],
            tuple(doc.get("requirements", ())),
            bool(doc.get("dependencies", True)),
            str(doc.get("runtime", "")),
            bool(doc.get("bytecode", True)),
        )


def check_build(folder: Path, interpreter: Interpreter) -> None:
    """Refuse a build whose compiled dependencies cannot load in ``interpreter``. Raises BuildMismatch."""
    info = BuildInfo.read(folder)
    if info is None or not info.dependencies:
        return
    if info.abi != interpreter.abi or not platform_fits(info.platform, interpreter.platform):
        raise BuildMismatch(
            f"{folder} was built for Python {info.version} ({info.abi}, {info.platform}) but its instances run "
            f"Python {interpreter.version} ({interpreter.abi}, {interpreter.platform}) at {interpreter.path}: "
            f"rebuild it with `ossimg build` for runtime {interpreter.runtime}."
        )


def platform_fits(built_for: str, running: str) -> bool:
    """Can wheels built for ``built_for`` load on ``running`` (``sysconfig.get_platform()``)?

    Equal names fit; a ``manylinux*_<arch>`` / ``musllinux*_<arch>`` wheel tag fits ``linux-<arch>``.
    """
    if built_for == running:
        return True
    arch = running.removeprefix("linux-").replace("-", "_")
    return (
        running.startswith("linux-")
        and built_for.startswith(("manylinux", "musllinux"))
        and built_for.endswith("_" + arch)
    )
