"""The gallery in a real headless browser: Debian's Chromium driven by Playwright (never Playwright's
own browser downloads). ``make test`` installs Chromium (``make browser``); where it cannot be had,
these tests are skipped with one line saying so.

The written page of ``ossimg demo`` shows every variant of the sample gallery event; the live page of
``ossimg up`` takes a photo from its upload box, puts it into the source bucket through the emulator
(as a browser does: the bytes alone, no Content-Type) and shows its variants without a reload.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import oss2
import pytest

from ..conftest import make_image
from .running_up import ROOT, running_up

CHROMIUM = os.environ.get("OSSIMG_CHROMIUM", "/usr/bin/chromium")
# The machine's notes: without the background-networking flags Chromium's connections are refused by
# the closed network, many at a time; as root it needs --no-sandbox.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip
GALLERY_VARIANTS = ["square", "strip", "avatar", "card", "tilted", "mood", "crisp", "branded", "avif", "heic",
                    "styled", "info", "hue"]  # fmt: skip
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", name="browser")
def _browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="no playwright: pip install -e '.[dev]'")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}: `make browser` installs Debian's (needs apt-get and root)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def loaded_images(page) -> list[str]:
    """Every image on the page, scrolled into view; fails on one that did not load."""
    page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    page.wait_for_function("[...document.images].every(i => i.complete)")
    broken = page.evaluate("[...document.images].filter(i => i.naturalWidth === 0).map(i => i.src)")
    assert broken == []
    return page.evaluate("[...document.images].map(i => i.src)")


def shown_variants(page, source: str) -> dict[str, str]:
    """``{rule/variant: status}`` of the figures under one source."""
    figures = page.locator(f'article[data-key="{source}"] figure.variant')
    return {f.get_attribute("data-variant"): f.get_attribute("data-status") for f in figures.all()}


def test_the_demo_page_shows_every_variant(browser, tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "ossimg_local.cli", "demo", "--out", str(out), "--build", str(tmp_path / "build"),
         "--event", str(ROOT / "events" / "oss-gallery.json")],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    page = browser.new_page()
    page.goto((out / "index.html").as_uri())
    shown = shown_variants(page, "ossimg-uploads/gallery/lakeside.jpg")
    assert shown == {f"gallery/{name}": "ok" for name in GALLERY_VARIANTS}
    images = loaded_images(page)
    assert len(images) == 1 + len(GALLERY_VARIANTS) - 2  # the source, and every variant but the two JSON answers
    assert any(src.endswith("/_previews/ossimg-variants/gallery/lakeside/heic.heic.png") for src in images)
    hue = page.locator('figure[data-variant="gallery/hue"] .swatch')
    assert hue.count() == 1  # average-hue's answer shown as its colour
    assert "image/resize,w_600/format,avif" in page.locator('figure[data-variant="gallery/avif"] code').inner_text()
    page.screenshot(path=str(tmp_path / "demo.png"))
    page.close()


def test_an_upload_from_the_live_page_shows_its_variants(browser, tmp_path):
    photo = tmp_path / "harbour.jpg"
    photo.write_bytes(make_image((1200, 900)))
    with running_up(tmp_path) as up:
        page = browser.new_page()
        page.goto(f"{up.endpoint}/_ossimg/")
        page.locator("#prefix").select_option("gallery/")
        page.locator("#upload input[type=file]").set_input_files(str(photo))
        source = "ossimg-uploads/gallery/harbour.jpg"
        # Polled, not reloaded: the variants arrive on the page once the function ran.
        page.wait_for_function(
            "n => document.querySelectorAll(`article[data-key='ossimg-uploads/gallery/harbour.jpg'] figure.variant`)"
            ".length === n",
            arg=len(GALLERY_VARIANTS),
            timeout=90_000,
        )
        assert shown_variants(page, source) == {f"gallery/{name}": "ok" for name in GALLERY_VARIANTS}
        loaded_images(page)
        head = oss2.Bucket(oss2.Auth("LTAI-local", "local-secret"), up.endpoint, "ossimg-uploads").head_object(
            "gallery/harbour.jpg"
        )
        assert head.content_type == "application/octet-stream"  # the browser sent the bytes alone
        assert head.content_length == photo.stat().st_size
        page.close()
