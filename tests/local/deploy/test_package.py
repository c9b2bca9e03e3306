"""`ossimg build`: the dependency layer comes from a cache keyed by the requirements and the Python it
is for, and the build records that Python."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ossimg_local.deploy.package import build_function, layer_key, runtime_requirements
from ossimg_local.fc.build_info import BuildInfo
from ossimg_local.fc.interpreter import Interpreter, find_interpreter
from ossimg_local.fc.template import load_template

ROOT = Path(__file__).resolve().parents[3]


def on_upload():
    return next(s for s in load_template(ROOT / "template.yml") if s.name == "on_upload")


def seed(cache: Path, interpreter: Interpreter) -> Path:
    """A cached layer holding one marker module, where the build will look for it."""
    layer = cache / "deps" / f"{interpreter.abi}-{layer_key(interpreter, runtime_requirements())}"
    (layer / "cached_marker").mkdir(parents=True)
    (layer / "cached_marker" / "__init__.py").write_text("FROM = 'the cache'\n")
    return layer


def test_the_dependency_layer_is_copied_from_the_cache(tmp_path):
    spec = on_upload()
    interpreter = find_interpreter(spec.runtime)
    layer = seed(tmp_path / "cache", interpreter)
    folder = build_function(ROOT, spec, ROOT / "rules" / "example.yaml", tmp_path / "build", cache=tmp_path / "cache")
    copied = folder / "cached_marker" / "__init__.py"
    assert copied.read_text() == "FROM = 'the cache'\n"  # no pip run: pip knows no such package
    assert copied.stat().st_ino == (layer / "cached_marker" / "__init__.py").stat().st_ino  # a hard link


def test_the_build_records_the_python_it_was_made_for(tmp_path):
    spec = on_upload()
    interpreter = find_interpreter(spec.runtime)
    seed(tmp_path / "cache", interpreter)
    folder = build_function(ROOT, spec, ROOT / "rules" / "example.yaml", tmp_path / "build", cache=tmp_path / "cache")
    assert BuildInfo.read(folder) == BuildInfo(interpreter.version, interpreter.abi, interpreter.platform,
                                               runtime_requirements(), True)  # fmt: skip
    if interpreter.exact:
        assert interpreter.version == "3.10"  # template.yml's Runtime


def test_layers_are_kept_apart_per_python_and_requirements():
    a = Interpreter("/x/python3.10", "3.10", "linux-x86_64")
    b = Interpreter("/x/python3.12", "3.12", "linux-x86_64")
    assert layer_key(a, runtime_requirements()) == layer_key(replace(a, path="/elsewhere"), runtime_requirements())
    assert layer_key(a, runtime_requirements()) != layer_key(b, runtime_requirements())
    assert layer_key(a, runtime_requirements()) != layer_key(a, (*runtime_requirements(), "six"))


def test_the_build_installs_what_pyproject_declares(root):
    """One list of the deployed dependencies: pyproject.toml's ``project.dependencies``."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    declared = text[text.index("dependencies = [") : text.index("]", text.index("dependencies = ["))]
    names = {r.split("<")[0].split(">")[0].split("=")[0] for r in runtime_requirements()}
    assert names == {"oss2", "pydantic", "ruamel.yaml", "ruamel.yaml.clib"}
    assert all(f'"{name}' in declared for name in names)
