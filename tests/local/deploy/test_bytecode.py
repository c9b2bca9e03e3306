"""`ossimg build` ships bytecode for everything it packages (the function's own ``ossimg`` and
``index.py`` as well as the dependencies), in PEP 552's unchecked-hash form: it still serves after
the zip FC receives is unpacked (the zip's 1980 DOS times, whatever mtimes unzip leaves) into a
read-only folder, where nothing can be compiled and kept."""

from __future__ import annotations

import io
import os
import re
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from ossimg_local.deploy.apply import code_zip
from ossimg_local.deploy.package import build_function
from ossimg_local.fc.interpreter import find_interpreter
from ossimg_local.fc.template import load_template

ROOT = Path(__file__).resolve().parents[3]
# PEP 552: the pyc header's second word; bit 0 "hash-based", bit 1 "check the source".
HASH_BASED, CHECK_SOURCE = 0b01, 0b10


@pytest.fixture(scope="module", name="python310")
def _python310() -> str:
    found = find_interpreter("python3.10")
    if not found.exact:
        pytest.skip("no python3.10 here: a build for FC's python3.10 ships no bytecode without one")
    return found.path


@pytest.fixture(scope="module", name="build")
def _build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A whole build of on_upload (dependencies from the shared cache, as make build does)."""
    request.getfixturevalue("python310")  # skipped without the runtime's interpreter
    spec = next(s for s in load_template(ROOT / "template.yml") if s.name == "on_upload")
    return build_function(ROOT, spec, ROOT / "rules" / "example.yaml", tmp_path_factory.mktemp("build"),
                          notice=lambda _: None)  # fmt: skip


@pytest.fixture(scope="module", name="unzipped")
def _unzipped(build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build as FC unpacks its zip: the zip's times on every file, a read-only folder."""
    code = tmp_path_factory.mktemp("code")
    archive = zipfile.ZipFile(io.BytesIO(code_zip(build)))
    for item in archive.infolist():
        path = Path(archive.extract(item, code))
        stamp = time.mktime((*item.date_time, 0, 0, -1))  # 1980-01-01, as unzip keeps it
        os.utime(path, (stamp, stamp))
        path.chmod(0o444)
    return code


def pyc_flags(pyc: Path) -> int:
    return int.from_bytes(pyc.read_bytes()[4:8], "little")


@pytest.mark.parametrize("module", ["index.py", "ossimg/__init__.py", "ossimg/runtime.py", "ossimg/rules/stored.py",
                                    "oss2/__init__.py", "requests/sessions.py"])  # fmt: skip
def test_every_module_has_unchecked_hash_bytecode(build, module):
    source = build / module
    pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-310.pyc"
    assert pyc.is_file(), f"{module} ships without bytecode"
    assert pyc_flags(pyc) == HASH_BASED, "hash-based, never checked against the source's time or bytes"


def test_no_module_of_the_function_is_left_without_bytecode(build):
    own = [build / "index.py", *(build / "ossimg").rglob("*.py")]
    missing = [p for p in own if not (p.parent / "__pycache__" / f"{p.stem}.cpython-310.pyc").is_file()]
    assert missing == []


def test_unzipped_read_only_the_function_imports_from_bytecode_alone(unzipped, python310):
    """``-v`` names where each module's code comes from: a ``.pyc``, or a ``.py`` compiled on the spot."""
    script = f"import sys; sys.path.insert(0, {str(unzipped)!r}); import index, oss2, ossimg.pipeline"
    done = subprocess.run([python310, "-I", "-S", "-B", "-v", "-c", script], capture_output=True, text=True,
                          cwd=unzipped, check=True)  # fmt: skip
    loaded = re.findall(r"^# code object from '?([^'\n]+)'?$", done.stderr, re.MULTILINE)
    ours = [path for path in loaded if path.startswith(str(unzipped))]
    compiled_here = [path for path in ours if path.endswith(".py")]
    assert compiled_here == [], "compiled at import, as at every cold start on FC"
    names = {Path(path).name for path in ours}
    assert {"index.cpython-310.pyc", "runtime.cpython-310.pyc", "pipeline.cpython-310.pyc"} <= names
    assert len(ours) > 100  # oss2 and its dependencies came from the same folder
