"""`make demo`'s command, run as users run it: a separate process, on a fresh emulator."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from PIL import Image


@pytest.mark.slow
def test_demo_produces_every_variant_and_shows_real_dimensions(root, tmp_path):
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "ossimg_local.cli", "demo", "--root", str(root), "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"7 event file\(s\), 22 variant\(s\) produced, 0 unexpected outcome\(s\)", done.stdout)
    row = re.search(r"ossimg-variants/thumbs/uploads/photos/cat\.webp\s+200x200\s+webp\s+\d+", done.stdout)
    assert row, done.stdout
    with Image.open(out / "ossimg-variants" / "thumbs" / "uploads" / "photos" / "cat.webp") as kept:
        assert (kept.size, kept.format) == ((200, 200), "WEBP")
    assert done.stdout.count("rejected as expected") == 3
