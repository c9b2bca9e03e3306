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
        [sys.executable, "-m", "ossimg_local.cli", "demo", "--root", str(root), "--out", str(out), "--build",
         str(tmp_path / "build")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"8 event file\(s\), 35 variant\(s\) produced, 0 unexpected outcome\(s\)", done.stdout)
    row = re.search(r"ossimg-variants/thumbs/uploads/photos/cat\.webp\s+200x200\s+webp\s+\d+", done.stdout)
    assert row, done.stdout
    with Image.open(out / "ossimg-variants" / "thumbs" / "uploads" / "photos" / "cat.webp") as kept:
        assert (kept.size, kept.format) == ((200, 200), "WEBP")
    assert done.stdout.count("rejected as expected") == 3


# The gallery rule uses every IMG action family; each variant's real size and format, read back.
GALLERY = {
    "square.jpg": ("300x300", "jpg"), "strip.jpg": ("400x100", "jpg"), "avatar.png": ("255x255", "png"),
    "card.webp": ("480x360", "webp"), "tilted.jpg": ("466x394", "jpg"), "mood.jpg": ("400x300", "jpg"),
    "crisp.jpg": ("400x300", "jpg"), "branded.jpg": ("800x600", "jpg"), "avif.avif": ("600x450", "avif"),
    "heic.heic": ("600x450", "heic"), "styled.png": ("240x240", "png"), "info.json": ("-", "json"),
    "hue.json": ("-", "json"),
}  # fmt: skip


@pytest.mark.slow
def test_demo_shows_every_operation(root, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "ossimg_local.cli", "demo", "--root", str(root), "--out", str(tmp_path / "out"),
         "--build", str(tmp_path / "build"), "--event", str(root / "events" / "oss-gallery.json")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name, (size, fmt) in GALLERY.items():
        pattern = rf"ossimg-variants/gallery/lakeside/{re.escape(name)}\s+{re.escape(size)}\s+{fmt}\s+\d+"
        assert re.search(pattern, done.stdout), f"{name} missing or wrong:\n{done.stdout[-2500:]}"
