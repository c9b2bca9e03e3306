"""The wheel is complete: built from the repository, installed into a fresh virtualenv, every module of
``ossimg`` and ``ossimg_local`` imports from it and ``ossimg --help`` runs.

The fresh environment gets only the wheel; the third-party packages it needs are borrowed from this
test's environment through a path entry (not its ``.pth`` files, so the editable install cannot
stand in for the wheel), which keeps the test to seconds rather than a minute of downloads.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

IMPORT_ALL = """
import importlib, pkgutil, sys
import ossimg, ossimg_local
names = []
for package in (ossimg, ossimg_local):
    assert package.__file__.startswith(sys.prefix), package.__file__  # from the wheel, not the repository
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name != "ossimg_local.fc.bootstrap":  # the FC instance's own entry point: runs, not imported
            importlib.import_module(info.name)
            names.append(info.name)
print(len(names))
"""


@pytest.fixture(name="installed", scope="module")
def _installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    # From a clean copy of the sources: setuptools reuses whatever an earlier build left in build/.
    source = work / "source"
    for part in ("shared", "local", "functions"):
        shutil.copytree(ROOT / part, source / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)],
                   check=True, capture_output=True)  # fmt: skip
    (wheel,) = (work / "dist").glob("ossimg-*.whl")
    env = work / "venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True)  # fmt: skip
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    (Path(site) / "borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return env


@pytest.mark.slow
def test_every_module_imports_from_the_wheel(installed):
    done = subprocess.run([str(installed / "bin" / "python"), "-c", IMPORT_ALL], capture_output=True, text=True,
                          cwd=installed, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 90


@pytest.mark.slow
def test_the_command_line_runs_from_the_wheel(installed):
    done = subprocess.run([str(installed / "bin" / "ossimg"), "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "usage: ossimg" in done.stdout
