"""``ossimg build``: each function of template.yml as the folder FC runs (its ``CodeUri``).

A build holds the handler files, the ``ossimg`` package, the rules with their compiled form (so a
cold start needs neither pydantic nor YAML), and the runtime dependencies installed for the
function's Python (the matching ``python3.X`` when this machine has it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from ossimg.rules.compiled import to_doc
from ossimg.rules.load import load_rules

from ..fc.template import FunctionSpec

RUNTIME_REQUIREMENTS = ("oss2>=2.19,<3", "pydantic>=2.7,<3", "ruamel.yaml>=0.18,<0.20", "ruamel.yaml.clib>=0.2.8")


def build_function(root: Path, spec: FunctionSpec, rules: Path, out: Path, *, deps: bool = True) -> Path:
    """Write the function's code folder under ``out``; returns it."""
    target = out / spec.name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(root / "functions" / spec.name, target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "shared" / "ossimg", target / "ossimg", ignore=shutil.ignore_patterns("__pycache__"))
    name = spec.environment.get("OSSIMG_RULES", "rules.yaml")
    if not name.startswith("oss://"):
        shutil.copy(rules, target / name)
        compiled = load_rules(target / name)
        cache = (target / name).with_name(Path(name).stem + ".compiled.json")
        cache.write_text(json.dumps(to_doc(compiled, (target / name).read_bytes())), encoding="utf-8")
    if deps:
        python = runtime_python(spec.runtime)
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--target", str(target), *RUNTIME_REQUIREMENTS], check=True
        )
    return target


def runtime_python(runtime: str) -> str:
    """The interpreter matching FC's ``runtime`` (python3.10 …), else this one, with a warning:
    compiled dependencies (pydantic-core, ruamel.yaml.clib, cryptography) must match FC's Python."""
    found = shutil.which(runtime)
    if found and subprocess.run([found, "-c", "pass"], capture_output=True, check=False).returncode == 0:
        return found
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if version != runtime:
        print(f"build: no working {runtime} here; installing dependencies with {version}. Deploy with runtime "
              f"{version} in template.yml, or build where {runtime} runs.", file=sys.stderr)  # fmt: skip
    return sys.executable


def size_mb(folder: Path) -> float:
    """The folder's total size in megabytes."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
