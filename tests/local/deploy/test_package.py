"""`ossimg build`: the dependency layer is installed for the template's FC runtime (not this machine),
comes from a cache keyed by the requirements and that runtime, and the build records what it is for."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ossimg_local.deploy import package
from ossimg_local.deploy.package import (
    BuildError,
    build_function,
    host_key,
    layer_key,
    runtime_key,
    runtime_requirements,
)
from ossimg_local.fc.build_info import BuildInfo
from ossimg_local.fc.interpreter import Interpreter, find_interpreter
from ossimg_local.fc.runtimes import RUNTIMES
from ossimg_local.fc.template import load_template

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "rules" / "example.yaml"
PY310 = RUNTIMES["python3.10"]


def on_upload():
    return next(s for s in load_template(ROOT / "template.yml") if s.name == "on_upload")


def seed(layer: Path) -> Path:
    """A cached layer holding one marker module, where the build will look for it."""
    (layer / "cached_marker").mkdir(parents=True)
    (layer / "cached_marker" / "__init__.py").write_text("FROM = 'the cache'\n")
    return layer


def runtime_layer_path(cache: Path, compiler: Interpreter | None) -> Path:
    return cache / "deps" / f"python3.10-{layer_key(runtime_key(PY310, compiler), runtime_requirements())}"


@pytest.fixture(name="here")
def _here():
    """The interpreter the build compiles bytecode with: python3.10 when one runs here, else none."""
    found = find_interpreter("python3.10")
    return found if found.exact else None


def test_the_dependency_layer_is_linked_from_the_cache(tmp_path, here):
    layer = seed(runtime_layer_path(tmp_path / "cache", here))
    folder = build_function(ROOT, on_upload(), RULES, tmp_path / "build", cache=tmp_path / "cache")
    copied = folder / "cached_marker" / "__init__.py"
    assert copied.read_text() == "FROM = 'the cache'\n"  # no pip run: pip knows no such package
    assert copied.stat().st_ino == (layer / "cached_marker" / "__init__.py").stat().st_ino  # a hard link


def test_the_build_records_the_runtime_it_was_made_for(tmp_path, here):
    seed(runtime_layer_path(tmp_path / "cache", here))
    folder = build_function(ROOT, on_upload(), RULES, tmp_path / "build", cache=tmp_path / "cache")
    assert folder == tmp_path / "build" / "on_upload"
    assert BuildInfo.read(folder) == BuildInfo("3.10", "cp310", "manylinux_2_28_x86_64", runtime_requirements(),
                                               True, "python3.10", here is not None)  # fmt: skip
    assert BuildInfo.read(folder).unfit_for(PY310) == ""


def test_without_the_runtimes_python_local_runs_get_a_separate_variant(tmp_path, monkeypatch):
    host = Interpreter("/usr/bin/python3.11", "3.11", "linux-x86_64", exact=False)
    monkeypatch.setattr(package, "find_interpreter", lambda _runtime: host)
    layer = tmp_path / "cache" / "deps" / f"local-cp311-{layer_key(host_key(host), runtime_requirements())}"
    seed(layer)
    said = []
    folder = build_function(ROOT, on_upload(), RULES, tmp_path / "build", cache=tmp_path / "cache", local=True,
                            notice=said.append)  # fmt: skip
    assert folder == tmp_path / "build" / "local-cp311" / "on_upload"
    assert not (tmp_path / "build" / "on_upload").exists()  # what is deployed is never this variant
    info = BuildInfo.read(folder)
    assert (info.version, info.runtime) == ("3.11", "")
    assert "never to deploy" in said[0]
    assert info.unfit_for(PY310).startswith("it was built for Python 3.11 (cp311, linux-x86_64; this machine's Python")


def test_without_the_runtimes_python_the_deployed_build_is_still_the_runtimes(tmp_path, monkeypatch):
    """No python3.10 here (Python 3.11 only): `ossimg build` still installs for FC's python3.10, and
    ships no bytecode, which only python3.10 could compile."""
    monkeypatch.setattr(package, "find_interpreter", lambda _runtime: Interpreter("/x/python3", "3.11", "linux-x86_64",
                                                                                   exact=False))  # fmt: skip
    seed(runtime_layer_path(tmp_path / "cache", None))
    folder = build_function(ROOT, on_upload(), RULES, tmp_path / "build", cache=tmp_path / "cache")
    assert (folder / "cached_marker").is_dir()
    assert BuildInfo.read(folder) == BuildInfo("3.10", "cp310", "manylinux_2_28_x86_64", runtime_requirements(),
                                               True, "python3.10", bytecode=False)  # fmt: skip


def test_a_runtime_ossimg_cannot_build_for_is_one_clear_error(tmp_path):
    with pytest.raises(BuildError, match=r"Runtime 'nodejs14' in template.yml: ossimg builds for python3.10"):
        build_function(ROOT, replace(on_upload(), runtime="nodejs14"), RULES, tmp_path / "build")


def test_layers_are_kept_apart_per_runtime_bytecode_and_requirements():
    py312 = RUNTIMES["python3.12"]
    compiler = Interpreter("/x/python3.10", "3.10", "linux-x86_64")
    base = layer_key(runtime_key(PY310, compiler), runtime_requirements())
    assert base == layer_key(runtime_key(PY310, replace(compiler, path="/elsewhere")), runtime_requirements())
    assert base != layer_key(runtime_key(py312, compiler), runtime_requirements())
    assert base != layer_key(runtime_key(PY310, None), runtime_requirements())  # without bytecode
    assert base != layer_key(runtime_key(PY310, compiler), (*runtime_requirements(), "six"))


def test_the_runtime_targets_are_fcs():
    """FC 2.0 python3.10 is Debian 10 (glibc 2.28), python3.12 Debian 11 (glibc 2.31): platform-facts."""
    assert (PY310.abi, PY310.platform) == ("cp310", "manylinux_2_28_x86_64")
    assert RUNTIMES["python3.12"].platform == "manylinux_2_31_x86_64"
    tags = PY310.platforms()
    assert tags[0] == "manylinux_2_28_x86_64"
    assert tags[-1] == "manylinux1_x86_64"
    assert {"manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux_2_17_x86_64"} <= set(tags)
    assert "manylinux_2_29_x86_64" not in tags
    assert "manylinux_2_34_x86_64" not in tags


def test_the_build_installs_what_pyproject_declares(root):
    """One list of the deployed dependencies: pyproject.toml's ``project.dependencies``."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    declared = text[text.index("dependencies = [") : text.index("]", text.index("dependencies = ["))]
    names = {r.split("<")[0].split(">")[0].split("=")[0] for r in runtime_requirements()}
    assert names == {"oss2", "pydantic", "ruamel.yaml", "ruamel.yaml.clib"}
    assert all(f'"{name}' in declared for name in names)
