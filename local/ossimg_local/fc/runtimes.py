"""FC's Python runtimes as a wheel sees them: which CPython, and which glibc its instances run on.

A compiled wheel loads only on the CPython and the C library it was built for. FC 2.0's python3.10
runs on Debian 10 (glibc 2.28) and python3.12 (FC 3.0) on Debian 11 (glibc 2.31), on x86_64
(platform-facts, "Runtimes and wheels"). So what is deployed is installed for that target, whatever
machine builds it: CPython ``3.X`` wheels (``cp3X``, ``abi3`` of an older CPython, or pure Python)
tagged ``manylinux`` at most that glibc.
"""

from __future__ import annotations

from dataclasses import dataclass

# PEP 600's aliases for the older manylinux tags: manylinux1 is glibc 2.5, 2010 is 2.12, 2014 is 2.17.
_LEGACY_MANYLINUX = {(2, 5): "manylinux1", (2, 12): "manylinux2010", (2, 17): "manylinux2014"}


class UnknownRuntime(ValueError):
    """Raised for a template ``Runtime`` ossimg cannot build a Python package for."""


@dataclass(frozen=True)
class RuntimeTarget:
    """What an FC Python runtime loads: CPython ``version`` on glibc ``glibc`` for ``arch``."""

    runtime: str
    version: str
    glibc: tuple[int, int]
    arch: str = "x86_64"

    @property
    def abi(self) -> str:
        """The CPython ABI tag of its compiled modules, e.g. ``cp310``."""
        return "cp" + self.version.replace(".", "")

    @property
    def platform(self) -> str:
        """The newest wheel platform tag it loads, e.g. ``manylinux_2_28_x86_64``."""
        return f"manylinux_{self.glibc[0]}_{self.glibc[1]}_{self.arch}"

    def platforms(self) -> list[str]:
        """Every manylinux platform tag it loads, newest first, legacy aliases included (pip's
        ``--platform`` does not expand a ``manylinux_2_Y`` tag to the older ones)."""
        tags = []
        for minor in range(self.glibc[1], 4, -1):
            tags.append(f"manylinux_2_{minor}_{self.arch}")
            legacy = _LEGACY_MANYLINUX.get((2, minor))
            if legacy:
                tags.append(f"{legacy}_{self.arch}")
        return tags

    def describe(self) -> str:
        """``CPython 3.10 on manylinux <= glibc 2.28 (x86_64)``."""
        return f"CPython {self.version} on manylinux <= glibc {self.glibc[0]}.{self.glibc[1]} ({self.arch})"


RUNTIMES = {
    "python3.10": RuntimeTarget("python3.10", "3.10", (2, 28)),  # Debian 10
    "python3.12": RuntimeTarget("python3.12", "3.12", (2, 31)),  # Debian 11
}


def runtime_target(runtime: str) -> RuntimeTarget:
    """The target of FC's ``runtime``. Raises UnknownRuntime for one ossimg does not build for."""
    target = RUNTIMES.get(runtime)
    if target is None:
        raise UnknownRuntime(
            f"Runtime {runtime!r} in template.yml: ossimg builds for {', '.join(RUNTIMES)} "
            "(FC's Python runtimes with a known OS)"
        )
    return target
