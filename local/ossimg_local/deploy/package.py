"""``ossimg build``: each function of template.yml as the folder FC runs (its ``CodeUri``).

A build holds the handler files, the ``ossimg`` package, the rules with their compiled form (so a
cold start needs neither pydantic nor YAML), the runtime dependencies installed for the function's
FC runtime (CPython 3.10 on manylinux <= glibc 2.28 for python3.10, whatever Python and platform run
the build: ``deploy/wheels.py``), and ``.fc-build.json`` saying which runtime that is (the local FC
runner refuses a build its interpreter cannot load; ``ossimg deploy`` refuses one not made for the
template's runtime).

The dependency layer is installed once per (requirements, runtime) into a cache, compiled to
bytecode by the runtime's own interpreter when one runs here, and hard-linked into each build: the
first build runs pip (about 30 s), later ones link.

Where the runtime's interpreter is missing, the local cloud (``ossimg up``, ``ossimg demo``, the
tests) cannot run the runtime's build, so ``build_function(local=True)`` makes a variant for this
machine's Python instead, in ``<out>/local-<abi>/<name>``: never deployed (its record names no
runtime and ``ossimg deploy`` refuses it), and never mixed with the deployable ``<out>/<name>``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ossimg.rules.load import load_rules
from ossimg.rules.stored import compiled_path, write_compiled

from ..fc.build_info import BuildInfo
from ..fc.interpreter import Interpreter, find_interpreter
from ..fc.runtimes import RuntimeTarget, UnknownRuntime, runtime_target
from ..fc.template import FunctionSpec
from .wheels import InstallError, install_for_runtime


def runtime_requirements() -> tuple[str, ...]:
    """What the deployed function needs: ``project.dependencies`` of pyproject.toml, the one place
    they are written, read back from the installed distribution's metadata (no extras)."""
    requires = importlib.metadata.requires("ossimg") or []
    return tuple(sorted(r for r in requires if "extra ==" not in r.partition(";")[2]))


LAYER_FORMAT = 3  # bump when what a cached layer holds changes (3: installed for the FC runtime)
# Parts of dependencies that FC never runs, left out of the build: console scripts, and
# pycryptodome's own test suite (3.4 MB).
NOT_SHIPPED = ("bin", "Crypto/SelfTest")


class BuildError(Exception):
    """Raised when a function cannot be built; the message is one line naming what and why."""


def build_function(
    root: Path,
    spec: FunctionSpec,
    rules: Path,
    out: Path,
    *,
    deps: bool = True,
    cache: Path | None = None,
    local: bool = False,
    notice: Callable[[str], None] | None = None,
) -> Path:
    """Write the function's code folder under ``out``, for its FC runtime; returns it.

    ``local``: the folder is for the local cloud on this machine, so where the runtime's interpreter
    is missing it is a variant for this machine's Python (``<out>/local-<abi>/<name>``).
    """
    try:
        target = runtime_target(spec.runtime)
    except UnknownRuntime as exc:
        raise BuildError(str(exc)) from exc
    interpreter = find_interpreter(spec.runtime)
    say = notice or _stderr
    if local and not interpreter.exact:
        folder = out / f"local-{interpreter.abi}" / spec.name
        say(
            f"build: no working {spec.runtime} here: {folder} is built for Python {interpreter.version} to run "
            f"locally, never to deploy (`ossimg build` makes {out / spec.name} for FC)"
        )
        _compile(interpreter, *_code(root, spec, rules, folder))
        if deps:
            _link_layer(host_layer(interpreter, runtime_requirements(), cache or default_cache()), folder)
        BuildInfo.for_interpreter(interpreter, runtime_requirements(), deps=deps).write(folder)
        return folder
    folder = out / spec.name
    own = _code(root, spec, rules, folder)
    compiler = interpreter if interpreter.exact else None
    if compiler is not None:
        _compile(compiler, *own)
    if deps:
        _link_layer(runtime_layer(target, runtime_requirements(), cache or default_cache(), compiler), folder)
    BuildInfo.for_runtime(target, runtime_requirements(), deps=deps, bytecode=deps and compiler is not None).write(
        folder
    )
    return folder


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _code(root: Path, spec: FunctionSpec, rules: Path, target: Path) -> list[Path]:
    """The function's own files: handler, the ``ossimg`` package, the rules and their compiled form.
    Returns the Python code among them (to compile: without bytecode FC compiles it at every cold start)."""
    if target.exists():
        shutil.rmtree(target)
    source = root / "functions" / spec.name
    shutil.copytree(source, target, ignore=lambda folder, names: _not_deployed(source, Path(folder), names))
    shutil.copytree(root / "shared" / "ossimg", target / "ossimg", ignore=shutil.ignore_patterns("__pycache__"))
    name = spec.environment.get("OSSIMG_RULES", "rules.yaml")
    if not name.startswith("oss://"):
        shutil.copy(rules, target / name)
        compiled = load_rules(target / name)
        write_compiled(compiled, (target / name).read_bytes(), compiled_path(target / name))
    return [target / "ossimg", *sorted(target.glob("*.py"))]


def _link_layer(layer: Path, folder: Path) -> None:
    shutil.copytree(layer, folder, dirs_exist_ok=True, copy_function=_link_or_copy)


def _not_deployed(source: Path, folder: Path, names: list[str]) -> list[str]:
    """Bytecode caches, and the handler folder's own ``__init__.py``: it is there so the linters can
    check what handlers import; FC loads ``index.py`` by path from the code folder's root."""
    return [n for n in names if n == "__pycache__" or (folder == source and n == "__init__.py")]


def default_cache() -> Path:
    """``$OSSIMG_CACHE_DIR``, else ``$XDG_CACHE_HOME/ossimg``, else ``~/.cache/ossimg``."""
    if os.environ.get("OSSIMG_CACHE_DIR"):
        return Path(os.environ["OSSIMG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ossimg"


def layer_key(what: dict[str, object], requirements: tuple[str, ...]) -> str:
    """What a dependency layer depends on: the requirements and what they are installed for."""
    doc = {**what, "requirements": sorted(requirements), "format": LAYER_FORMAT}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def runtime_key(target: RuntimeTarget, compiler: Interpreter | None) -> dict[str, object]:
    """A runtime layer is for its ABI and platform tags, with or without bytecode."""
    return {"abi": target.abi, "platforms": target.platforms(), "bytecode": compiler is not None}


def host_key(interpreter: Interpreter) -> dict[str, object]:
    """A local variant's layer is for this machine's Python and platform."""
    return {"abi": interpreter.abi, "platform": interpreter.platform, "host": True}


def runtime_layer(
    target: RuntimeTarget, requirements: tuple[str, ...], cache: Path, compiler: Interpreter | None
) -> Path:
    """The dependencies as FC's ``target`` runtime loads them, from the cache or installed into it now;
    compiled to bytecode by ``compiler`` (the runtime's own interpreter) when there is one."""
    layer = cache / "deps" / f"{target.runtime}-{layer_key(runtime_key(target, compiler), requirements)}"

    def install(staging: Path) -> None:
        try:
            install_for_runtime(target, requirements, staging, staging.with_name(staging.name + "-wheels"))
        except InstallError as exc:
            raise BuildError(str(exc)) from exc
        finally:
            shutil.rmtree(staging.with_name(staging.name + "-wheels"), ignore_errors=True)
        if compiler is not None:
            _compile(compiler, staging, jobs=0)

    return _cached(layer, install)


def host_layer(interpreter: Interpreter, requirements: tuple[str, ...], cache: Path) -> Path:
    """The dependencies as this machine's ``interpreter`` installs them (local runs only)."""
    layer = cache / "deps" / f"local-{interpreter.abi}-{layer_key(host_key(interpreter), requirements)}"

    def install(staging: Path) -> None:
        done = subprocess.run(
            [
                interpreter.path,
                "-m",
                "pip",
                "install",
                "-qq",
                "--disable-pip-version-check",
                "--target",
                str(staging),
                *requirements,
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            last = [line for line in done.stderr.splitlines() if line.strip()][-1:] or ["no output"]
            raise BuildError(
                f"installing the dependencies with {interpreter.path} (Python {interpreter.version}) "
                f"failed: {last[0].strip()}"
            )
        _compile(interpreter, staging, jobs=0)

    return _cached(layer, install)


def _cached(layer: Path, install: Callable[[Path], None]) -> Path:
    if layer.is_dir():
        return layer
    layer.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=layer.parent))
    try:
        install(staging)
        for part in NOT_SHIPPED:
            shutil.rmtree(staging / part, ignore_errors=True)
        try:
            staging.rename(layer)  # atomic: a concurrent build either sees the whole layer or none
        except OSError:
            if not layer.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return layer


def _compile(interpreter: Interpreter, *paths: Path, jobs: int = 1) -> None:
    """Bytecode for every module under ``paths``, valid whatever the files' times (PEP 552 unchecked
    hash): FC's /code is read-only, so a module shipped without bytecode is compiled again at every
    cold start (oss2 installs without it), and timestamp-checked bytecode is ignored once a copy or the
    zip's 2-second DOS times change a source's mtime. A build is always written whole, never edited
    in place, so no stale source can hide behind its unchecked bytecode. ``jobs`` 0: one per core
    (worth it for the dependency layer's 1,400 modules, not for the function's 50)."""
    command = [interpreter.path, "-m", "compileall", "-q", "-f", "-j", str(jobs), "--invalidation-mode"]
    subprocess.run([*command, "unchecked-hash", *map(str, paths)], check=True, stdout=subprocess.DEVNULL)


def _link_or_copy(source: str, target: str) -> str:
    """A hard link to the cached file (nothing copied), or a copy across file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def describe(folder: Path) -> str:
    """One line for ``ossimg build``: where a build is, its size, and what it is for."""
    info = BuildInfo.read(folder)
    made = (
        "?"
        if info is None
        else (
            f"for {info.runtime}: CPython {info.version}, {info.platform}"
            if info.runtime
            else f"for local runs on Python {info.version} only"
        )
    )
    if info is not None and info.runtime and not info.bytecode:
        made += f", no bytecode (no {info.runtime} here to compile it)"
    return f"{folder.name}: {folder} ({size_mb(folder):.1f} MB, {made})"


def size_mb(folder: Path) -> float:
    """The folder's total size in megabytes."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
