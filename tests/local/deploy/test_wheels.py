"""Installing for FC's runtime: a package with an optional C extension ships as pure Python, and a
package that cannot be had for the runtime is an error naming it."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from ossimg_local.deploy import wheels
from ossimg_local.deploy.wheels import InstallError, install_for_runtime, project_name, pure_wheel
from ossimg_local.fc.runtimes import RUNTIMES

COMPILED = "crcmod-1.7-cp311-cp311-linux_x86_64.whl"


@pytest.fixture(name="compiled")
def _compiled(tmp_path):
    """A wheel as this machine's pip builds crcmod from its sources: Python modules and one extension."""
    path = tmp_path / "in" / COMPILED
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("crcmod/__init__.py", "from crcmod.crcmod import *\n")
        wheel.writestr("crcmod/_crcfunpy.py", "def _crc64(data, crc, table): return crc\n")
        wheel.writestr("crcmod/_crcfunext.cpython-311-x86_64-linux-gnu.so", b"\x7fELF")
        wheel.writestr("crcmod-1.7.dist-info/METADATA", "Metadata-Version: 2.1\nName: crcmod\nVersion: 1.7\n")
        wheel.writestr("crcmod-1.7.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: bdist_wheel\n"
                       "Root-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n\n")  # fmt: skip
        wheel.writestr("crcmod-1.7.dist-info/RECORD", "")
    return path


def test_a_pure_wheel_keeps_the_python_and_drops_the_extension(compiled, tmp_path):
    pure = pure_wheel(compiled, tmp_path)
    assert pure.name == "crcmod-1.7-py3-none-any.whl"
    with zipfile.ZipFile(pure) as wheel:
        names = set(wheel.namelist())
        assert names == {"crcmod/__init__.py", "crcmod/_crcfunpy.py", "crcmod-1.7.dist-info/METADATA",
                         "crcmod-1.7.dist-info/WHEEL", "crcmod-1.7.dist-info/RECORD"}  # fmt: skip
        metadata = wheel.read("crcmod-1.7.dist-info/WHEEL").decode()
        assert metadata == ("Wheel-Version: 1.0\nGenerator: bdist_wheel\nRoot-Is-Purelib: true\n"
                            "Tag: py3-none-any\n")  # fmt: skip
        # RECORD as PEP 376/427 write it: path, urlsafe base64 sha256 without padding, size.
        record = dict(line.split(",", 1) for line in wheel.read("crcmod-1.7.dist-info/RECORD").decode().split())
        data = wheel.read("crcmod/_crcfunpy.py")
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert record["crcmod/_crcfunpy.py"] == f"sha256={digest},{len(data)}"
        assert record["crcmod-1.7.dist-info/RECORD"] == ","


def test_project_names_are_normalised():
    assert project_name(Path(COMPILED)) == "crcmod"
    assert project_name(Path("Ruamel.Yaml_clib-0.2.15-cp310-cp310-manylinux2014_x86_64.whl")) == "ruamel-yaml-clib"


@pytest.mark.slow
def test_crcmod_ships_as_pure_python(tmp_path):
    """crcmod publishes no wheel; its sources build one with a C extension for this machine's Python,
    which FC's python3.10 could not load: what ships is its pure-Python mode."""
    install_for_runtime(RUNTIMES["python3.10"], ("crcmod==1.7",), tmp_path / "layer", tmp_path / "wheels")
    assert (tmp_path / "layer" / "crcmod" / "_crcfunpy.py").is_file()
    assert not list((tmp_path / "layer").rglob("*.so"))
    assert "Tag: py3-none-any" in (tmp_path / "layer" / "crcmod-1.7.dist-info" / "WHEEL").read_text()


@pytest.mark.slow
def test_a_package_without_a_wheel_for_the_runtime_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(wheels, "PURE_FALLBACKS", {})  # as if crcmod's extension were not optional
    with pytest.raises(InstallError) as refused:
        install_for_runtime(RUNTIMES["python3.10"], ("crcmod==1.7",), tmp_path / "layer", tmp_path / "wheels")
    assert str(refused.value).startswith(
        "crcmod cannot be had as a wheel for CPython 3.10 on manylinux <= glibc 2.28 (x86_64): PyPI has none"
    )
