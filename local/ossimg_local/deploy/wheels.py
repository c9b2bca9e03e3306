"""Installing the deployed dependencies for FC's runtime, whatever machine runs the build.

``pip install --target --platform … --python-version 3.10 --implementation cp --abi cp310
--only-binary=:all:`` takes only wheels FC's runtime loads (platform-facts, "Runtimes and wheels").
Two of oss2's packages publish no wheel at all, only sources: oss2 itself (pure Python) and crcmod (a
C extension with a pure-Python mode). So first this machine's pip builds wheels from the sources of
everything it resolves (``pip wheel``); the pure ones (``py3-none-any``) are valid anywhere and are
offered to the runtime install from that folder. A compiled one is discarded: the runtime install
fetches the package's own wheel for FC, or fails naming it, unless the package is one whose compiled
part is optional (``PURE_FALLBACKS``): then the same wheel without its extension modules, tagged
pure, is offered instead.

crcmod is such a package: ``crcmod/crcmod.py`` imports ``_crcfunext`` and falls back to
``_crcfunpy`` when it is absent. The deployed function never computes a CRC (its oss2 client runs
with ``enable_crc=False``, ``ossimg/oss.py``), so the pure mode costs it nothing; oss2 still imports
crcmod at start-up, so crcmod must be there.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from ..fc.runtimes import RuntimeTarget

# Packages whose C extension is optional, with where their pure-Python fallback is chosen.
PURE_FALLBACKS = {
    "crcmod": "crcmod/crcmod.py: `import crcmod._crcfunext` falls back to crcmod._crcfunpy",
}
_COMPILED = (".so", ".pyd", ".dylib")
_NO_MATCH = re.compile(r"No matching distribution found for ([A-Za-z0-9._-]+)")
_ERROR = re.compile(r"^ERROR: (.*)$", re.MULTILINE)


class InstallError(Exception):
    """Raised when the dependencies cannot be had for the runtime; the message names what and why."""


def install_for_runtime(target: RuntimeTarget, requirements: tuple[str, ...], into: Path, wheelhouse: Path) -> None:
    """Install ``requirements`` into ``into`` as FC's ``target`` runtime loads them."""
    _source_wheels(requirements, wheelhouse)
    platforms = [arg for tag in target.platforms() for arg in ("--platform", tag)]
    done = _pip(
        "install",
        "--target",
        str(into),
        "--find-links",
        str(wheelhouse),
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        target.version,
        "--abi",
        target.abi,
        *platforms,
        *requirements,
    )
    if done.returncode != 0:
        missing = _NO_MATCH.search(done.stderr)
        if missing:
            raise InstallError(
                f"{missing.group(1)} cannot be had as a wheel for {target.describe()}: PyPI has none, and its "
                f"sources do not build as pure Python (pip: {_last_error(done.stderr)})"
            )
        raise InstallError(f"installing for {target.describe()} failed: {_last_error(done.stderr)}")


def _source_wheels(requirements: tuple[str, ...], wheelhouse: Path) -> None:
    """Wheels for what this machine resolves, kept only where they are valid on any CPython 3."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    done = _pip("wheel", "--wheel-dir", str(wheelhouse), *requirements)
    if done.returncode != 0:
        raise InstallError(f"building wheels from sources failed: {_last_error(done.stderr)}")
    for wheel in wheelhouse.glob("*.whl"):
        if wheel.name.endswith("-none-any.whl"):
            continue
        if project_name(wheel) in PURE_FALLBACKS:
            pure_wheel(wheel, wheelhouse)
        wheel.unlink()


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    # This machine's pip: any pip can install for another platform with --target.
    return subprocess.run(
        [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=False,
    )


def _last_error(stderr: str) -> str:
    errors = _ERROR.findall(stderr)
    if errors:
        return str(errors[-1]).strip()
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def project_name(wheel: Path) -> str:
    """``crcmod-1.7-cp311-cp311-linux_x86_64.whl`` -> ``crcmod`` (normalised as PEP 503 does)."""
    return re.sub(r"[-_.]+", "-", wheel.name.split("-")[0]).lower()


def pure_wheel(wheel: Path, out: Path) -> Path:
    """The same wheel without its compiled modules, tagged ``py3-none-any``; returns its path."""
    name, version = wheel.name.split("-")[:2]
    target = out / f"{name}-{version}-py3-none-any.whl"
    records: list[str] = []
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as pure:
        record_name = ""
        for item in source.infolist():
            if item.filename.endswith(_COMPILED):
                continue
            if item.filename.endswith(".dist-info/RECORD"):
                record_name = item.filename
                continue
            data = source.read(item)
            if item.filename.endswith(".dist-info/WHEEL"):
                data = _pure_wheel_metadata(data.decode("utf-8")).encode("utf-8")
            pure.writestr(item.filename, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{item.filename},sha256={digest},{len(data)}")
        records.append(f"{record_name},,")
        pure.writestr(record_name, "\n".join(records) + "\n")
    return target


def _pure_wheel_metadata(text: str) -> str:
    lines = [line for line in text.splitlines() if line and not line.startswith(("Tag:", "Root-Is-Purelib:"))]
    return "\n".join([*lines, "Root-Is-Purelib: true", "Tag: py3-none-any", ""])
