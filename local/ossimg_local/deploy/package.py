"""``ossimg build``: each function of template.yml as the folder FC runs (its ``CodeUri``).

A build holds the handler files, the ``ossimg`` package, the rules with their compiled form (so a
cold start needs neither pydantic nor YAML), the runtime dependencies installed for the function's
Python (the matching ``python3.X`` when this machine has one), and ``.fc-build.json`` saying which
Python that is (the local FC runner refuses to run a build made for another one).

The dependency layer is installed once per (requirements, Python, platform) into a cache, compiled to
bytecode, and copied into each build: the first build runs pip (about 30 s), later ones copy (hard
links where the cache and the build share a file system).
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
from pathlib import Path

from ossimg.rules.load import load_rules
from ossimg.rules.stored import compiled_path, write_compiled

from ..fc.build_info import BuildInfo
from ..fc.interpreter import Interpreter, find_interpreter
from ..fc.template import FunctionSpec


def runtime_requirements() -> tuple[str, ...]:
    """What the deployed function needs: ``project.dependencies`` of pyproject.toml, the one place
    they are written, read back from the installed distribution's metadata (no extras)."""
    requires = importlib.metadata.requires("ossimg") or []
    return tuple(sorted(r for r in requires if "extra ==" not in r.partition(";")[2]))


LAYER_FORMAT = 2  # bump when what a cached layer holds changes (2: bytecode compiled in)


class BuildError(Exception):
    """Raised when a function's dependency layer cannot be installed."""


def build_function(
    root: Path, spec: FunctionSpec, rules: Path, out: Path, *, deps: bool = True, cache: Path | None = None
) -> Path:
    """Write the function's code folder under ``out``; returns it."""
    target = out / spec.name
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
    interpreter = runtime_python(spec.runtime)
    if deps:
        layer = dependency_layer(interpreter, runtime_requirements(), cache or default_cache())
        shutil.copytree(layer, target, dirs_exist_ok=True, copy_function=_link_or_copy)
    BuildInfo.for_interpreter(interpreter, runtime_requirements(), deps=deps).write(target)
    return target


def _not_deployed(source: Path, folder: Path, names: list[str]) -> list[str]:
    """Bytecode caches, and the handler folder's own ``__init__.py``: it is there so the linters can
    check what handlers import; FC loads ``index.py`` by path from the code folder's root."""
    return [n for n in names if n == "__pycache__" or (folder == source and n == "__init__.py")]


def runtime_python(runtime: str) -> Interpreter:
    """The interpreter matching FC's ``runtime`` (python3.10 …), else this one, with a warning:
    compiled dependencies (pydantic-core, ruamel.yaml.clib, cryptography) must match FC's Python."""
    interpreter = find_interpreter(runtime)
    if not interpreter.exact:
        print(f"build: no working {runtime} here; installing dependencies with Python {interpreter.version}. "
              f"Deploy with runtime {interpreter.runtime} in template.yml, or build where {runtime} runs.",
              file=sys.stderr)  # fmt: skip
    return interpreter


def default_cache() -> Path:
    """``$OSSIMG_CACHE_DIR``, else ``$XDG_CACHE_HOME/ossimg``, else ``~/.cache/ossimg``."""
    if os.environ.get("OSSIMG_CACHE_DIR"):
        return Path(os.environ["OSSIMG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ossimg"


def layer_key(interpreter: Interpreter, requirements: tuple[str, ...]) -> str:
    """What a dependency layer depends on: the requirements and the Python it is built for."""
    what = {"requirements": sorted(requirements), "abi": interpreter.abi, "platform": interpreter.platform,
            "format": LAYER_FORMAT}  # fmt: skip
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:16]


def dependency_layer(interpreter: Interpreter, requirements: tuple[str, ...], cache: Path) -> Path:
    """The installed dependencies for ``interpreter``, from the cache or installed into it now."""
    layer = cache / "deps" / f"{interpreter.abi}-{layer_key(interpreter, requirements)}"
    if layer.is_dir():
        return layer
    layer.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=layer.parent))
    try:
        done = subprocess.run(
            [interpreter.path, "-m", "pip", "install", "-qq", "--disable-pip-version-check",
             "--target", str(staging), *requirements],
            check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise BuildError(f"installing the dependencies with {interpreter.path} (Python {interpreter.version}) "
                             f"failed with exit code {done.returncode}: see pip's output above")  # fmt: skip
        # Bytecode for every module, valid whatever the files' times: FC's /code is read-only, so a
        # package shipped without it is compiled again at every cold start (oss2 installs without it).
        subprocess.run([interpreter.path, "-m", "compileall", "-q", "-f", "-j", "0", "--invalidation-mode",
                        "unchecked-hash", str(staging)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        try:
            staging.rename(layer)  # atomic: a concurrent build either sees the whole layer or none
        except OSError:
            if not layer.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return layer


def _link_or_copy(source: str, target: str) -> str:
    """A hard link to the cached file (nothing copied), or a copy across file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def size_mb(folder: Path) -> float:
    """The folder's total size in megabytes."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
