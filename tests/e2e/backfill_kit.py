"""What the backfill and on_delete tests share: small rules, many small photos, the CLI, and the counts
of what the emulator actually executed."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from PIL import Image

from ossimg_local import cli

from .conftest import AK, ROOT, SK

# Two cheap variants of every photo, into the variants bucket.
RULES = """
version: 1
region: cn-hangzhou
rules:
  photos/:
    bucket: ossimg-uploads
    suffix: [.jpg]
    variants:
      small:
        ops: [{resize: {w: 16}}]
        key: "small/{key}"
        bucket: ossimg-variants
      tiny:
        ops: [{resize: {w: TINY}}, {format: png}]
        key: "tiny/{dir}/{stem}.{format}"
        bucket: ossimg-variants
"""
VARIANTS = ("photos/#small", "photos/#tiny")
# What the function may do with RULES (and with their on_delete: remove form): nothing else.
ROLE = [{"Version": "1", "Statement": [
    {"Effect": "Allow", "Action": ["oss:GetObject", "oss:PostProcessTask"],
     "Resource": ["acs:oss:*:*:ossimg-uploads/photos/*"]},
    {"Effect": "Allow", "Action": ["oss:PutObject", "oss:GetObject"],
     "Resource": ["acs:oss:*:*:ossimg-variants/small/*", "acs:oss:*:*:ossimg-variants/tiny/*"]},
    {"Effect": "Allow", "Action": ["oss:PutObject", "oss:GetObject", "oss:DeleteObject"],
     "Resource": ["acs:oss:*:*:ossimg-uploads/.ossimg/claims/*"]},
]}]  # fmt: skip


def rules_file(folder: Path, tiny: int = 8, extra: str = "") -> Path:
    """RULES in ``folder/rules.yaml`` (tiny's width ``tiny``, ``extra`` lines added to the photos/ rule)."""
    text = RULES.replace("TINY", str(tiny))
    if extra:
        text = text.replace("    suffix: [.jpg]\n", f"    suffix: [.jpg]\n{extra}")
    path = folder / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def photo(width: int = 32, height: int = 24, shade: int = 0) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (shade % 256, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def put_photos(cloud: Any, count: int, prefix: str = "photos/") -> list[str]:
    """``count`` photos under ``prefix`` (in two folders), each its own bytes; returns their keys."""
    bucket = cloud.bucket("ossimg-uploads")
    keys = [f"{prefix}{'ab'[n % 2]}/p{n:05d}.jpg" for n in range(count)]
    for n, key in enumerate(keys):
        bucket.put_object(key, photo(shade=n))
    return keys


def made(cloud: Any) -> Counter[str]:
    """IMG calls the emulator executed, per source key."""
    return Counter({key: n for (_, key), n in cloud.backend.faults.counts("process").items()})


def writes(cloud: Any) -> int:
    """Write requests the emulator executed: PUT (and copies), DELETE, IMG."""
    return sum(sum(cloud.backend.faults.counts(op).values()) for op in ("put", "delete", "process"))


def oss_args(cloud: Any, key: tuple[str, str, str] | None = None) -> list[str]:
    key_id, secret, token = key or (AK, SK, "")
    return ["--endpoint", cloud.endpoint, "--access-key-id", key_id, "--access-key-secret", secret,
            *(["--security-token", token] if token else [])]  # fmt: skip


def run_cli(capsys: Any, *args: str) -> tuple[int, str]:
    """``ossimg ARGS`` in this process: exit code and what it printed."""
    capsys.readouterr()
    code = cli.main(list(args))
    return code, capsys.readouterr().out


def start_cli(*args: str, log: Path) -> subprocess.Popen[bytes]:
    """``ossimg ARGS`` as its own process (to be interrupted or killed), its output in ``log``."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "ossimg_local.cli", *args], stdout=out, stderr=subprocess.STDOUT,
                                cwd=ROOT, env=env)  # fmt: skip


def stop_at(process: subprocess.Popen[bytes], checkpoint: Path, field: str, at_least: int, sig: int,
            timeout: float = 240) -> dict[str, Any]:  # fmt: skip
    """Send ``sig`` to ``process`` once its checkpoint's ``field`` count reaches ``at_least``; the counts then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the backfill ended (exit {process.returncode}) before it could be stopped")
        try:
            counts = json.loads(checkpoint.read_text())["counts"]
        except (OSError, ValueError, KeyError):
            counts = {}
        if counts.get(field, 0) >= at_least:
            process.send_signal(sig)
            process.wait(timeout=120)
            return dict(counts)
        time.sleep(0.02)
    process.kill()
    raise AssertionError(f"{field} never reached {at_least}")


__all__ = ["signal"]
