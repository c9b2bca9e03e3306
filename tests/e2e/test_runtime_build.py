"""What `ossimg build` makes is what FC's python3.10 can load, whatever machine built it: every wheel in
it is CPython 3.10 (or pure Python) for manylinux up to glibc 2.28, crcmod ships in its pure-Python
mode and still computes oss2's CRC-64, and the package stays small."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from packaging.tags import Tag, compatible_tags, cpython_tags, parse_tag

from ossimg_local.cli import main
from ossimg_local.deploy.package import build_function
from ossimg_local.fc.interpreter import find_interpreter

from .conftest import ROOT, on_upload_spec

pytestmark = pytest.mark.slow

# FC 2.0's python3.10 runs Debian 10: glibc 2.28 on x86_64 (platform-facts, "Runtimes and wheels").
# The independent answer of what it loads: packaging's own tag lists for CPython 3.10 on every
# manylinux platform up to glibc 2.28, with PEP 600's legacy aliases.
PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in range(28, 4, -1)]
PLATFORMS += ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]
LOADABLE: set[Tag] = set(cpython_tags((3, 10), abis=["cp310"], platforms=PLATFORMS))
LOADABLE |= set(compatible_tags((3, 10), "cp310", platforms=PLATFORMS))


@pytest.fixture(scope="module", name="deployed")
def _deployed(tmp_path_factory) -> Path:
    """on_upload as `ossimg build` makes it for FC (dependencies from the cache)."""
    return build_function(ROOT, on_upload_spec(), ROOT / "rules" / "example.yaml", tmp_path_factory.mktemp("fc"))


def wheel_tags(folder: Path) -> dict[str, list[str]]:
    """Each installed distribution's ``Tag:`` lines (its WHEEL file)."""
    return {
        wheel.parent.name: [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines()
                            if line.startswith("Tag:")]
        for wheel in folder.glob("*.dist-info/WHEEL")
    }  # fmt: skip


def test_every_wheel_in_the_build_loads_on_fcs_python310(deployed):
    tags = wheel_tags(deployed)
    assert {"oss2-2.19.1.dist-info", "crcmod-1.7.dist-info"} <= set(tags)  # the two PyPI has as sources only
    unloadable = {dist: found for dist, found in tags.items() if not any(parse_tag(t) & LOADABLE for t in found)}
    assert unloadable == {}
    assert not list(deployed.glob("*.egg-info")), "a legacy install carries no wheel tag to check"


def test_no_compiled_module_is_for_another_python(deployed):
    foreign = [p.name for p in deployed.rglob("*.so") if ".cpython-" in p.name and "cpython-310-" not in p.name]
    assert foreign == []


def test_the_build_record_says_fcs_runtime(deployed):
    record = json.loads((deployed / ".fc-build.json").read_text())
    assert (record["runtime"], record["abi"], record["platform"]) == ("python3.10", "cp310", "manylinux_2_28_x86_64")


def test_crcmod_is_its_pure_python_mode_and_computes_oss2s_crc64(deployed):
    python = find_interpreter("python3.10")
    if not python.exact:
        pytest.skip("no python3.10 here to run the build with")
    probe = ("import crcmod, oss2.utils; c = oss2.utils.Crc64(0); c.update(b'123456789'); "
             "print(sys.modules['crcmod.crcmod']._usingExtension, hex(c.crc))")  # fmt: skip
    done = subprocess.run([python.path, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(deployed)!r}); "
                           + probe], capture_output=True, text=True, check=True)  # fmt: skip
    # CRC-64/XZ (ECMA-182, reflected) of "123456789" from the CRC catalogue: 0x995DC9BBDF1939FA.
    assert done.stdout.split() == ["False", "0x995dc9bbdf1939fa"]


def test_the_package_stays_small(deployed):
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(deployed.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(deployed))
    assert zipped.tell() < 25e6  # about 20 MB today: what fc2 uploads
    assert not (deployed / "bin").exists()
    assert not (deployed / "Crypto" / "SelfTest").exists()


def test_build_prints_each_function_with_its_size_and_runtime(tmp_path, capsys):
    assert main(["build", "--root", str(ROOT), "--out", str(tmp_path)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith(f"on_upload: {tmp_path / 'on_upload'} (")
    assert " MB, for python3.10: CPython 3.10, manylinux_2_28_x86_64" in line
