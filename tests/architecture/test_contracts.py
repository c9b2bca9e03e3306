"""The written architecture is the checked one: each import contract fails when its rule is broken.

One copy of the sources gets one forbidden import per contract; the linter must then name every one
of them. (``make lint`` runs the same linter on the real sources, where all contracts are kept.)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# (file, the import added to it, what the linter must then report)
FORBIDDEN = [
    ("local/ossimg_local/emulator/store.py", "from . import wire",
     "ossimg_local.emulator.store -> ossimg_local.emulator.wire"),
    ("local/ossimg_local/emulator/engine/pipeline.py", "from .. import store",
     "ossimg_local.emulator.engine.pipeline -> ossimg_local.emulator.store"),
    ("shared/ossimg/explain.py", "from . import oss", "ossimg.explain -> ossimg.oss"),
    ("shared/ossimg/preflight.py", "import oss2", "ossimg.preflight -> oss2"),
    ("functions/on_upload/index.py", "import ossimg_local", "functions.on_upload.index -> ossimg_local"),
    ("local/ossimg_local/fc/template.py", "from ..emulator import errors",
     "ossimg_local.fc.template -> ossimg_local.emulator.errors"),
    ("local/ossimg_local/emulator/notify.py", "from .. import up", "ossimg_local.emulator.notify -> ossimg_local.up"),
    ("shared/ossimg/logs.py", "import PIL", "ossimg.logs -> PIL"),
]  # fmt: skip


@pytest.fixture(name="broken", scope="module")
def _broken(tmp_path_factory: pytest.TempPathFactory) -> str:
    copy = tmp_path_factory.mktemp("contracts")
    for part in ("shared", "local", "functions"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    for file, line, _ in FORBIDDEN:
        path = copy / file
        path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{copy / 'shared'}:{copy / 'local'}:{copy}"}
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=copy, env=env, capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("file", "line", "reported"), FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
def test_a_forbidden_import_breaks_a_contract(broken, file, line, reported):
    assert reported in broken, f"adding {line!r} to {file} went unnoticed"


def test_the_real_sources_keep_every_contract():
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
