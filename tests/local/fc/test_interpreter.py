"""The interpreter of a runtime is one that really runs; a build fits the platform it was made for."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ossimg_local.fc import interpreter as interpreters
from ossimg_local.fc.build_info import platform_fits


@pytest.fixture(autouse=True)
def _fresh_lookups():
    interpreters.find_interpreter.cache_clear()
    interpreters.probe.cache_clear()
    yield
    interpreters.find_interpreter.cache_clear()
    interpreters.probe.cache_clear()


def test_a_shim_that_fails_is_not_the_runtime(tmp_path, monkeypatch):
    shim = tmp_path / "bin" / "python3.10"
    shim.parent.mkdir()
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.10: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    found = interpreters.find_interpreter("python3.10")
    assert found.path != str(shim)
    assert interpreters.probe(str(shim)) is None
    assert found.exact == (found.version == "3.10")
    if not found.exact:
        assert interpreters.probe(found.path) == interpreters.probe(sys.executable)


def test_pyenvs_real_interpreters_are_found():
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    if not list(root.glob("versions/3.10.*/bin/python3.10")):
        pytest.skip("no pyenv Python 3.10 here")
    found = interpreters.find_interpreter("python3.10")
    assert (found.version, found.abi, found.exact) == ("3.10", "cp310", True)


@pytest.mark.parametrize(("built_for", "running", "fits"), [
    ("linux-x86_64", "linux-x86_64", True),
    ("manylinux_2_28_x86_64", "linux-x86_64", True),
    ("manylinux2014_x86_64", "linux-x86_64", True),
    ("manylinux_2_28_aarch64", "linux-x86_64", False),
    ("macosx-14.0-arm64", "linux-x86_64", False),
])  # fmt: skip
def test_which_wheels_fit_which_platform(built_for, running, fits):
    assert platform_fits(built_for, running) is fits
