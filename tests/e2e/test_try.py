"""`ossimg try PHOTO…`, as a user runs it on their own files: the variants, the table and the page.

The expected sizes come from the rules in rules/example.yaml and OSS's documented resize arithmetic:
``m_fill,w_200,h_200`` gives 200x200, ``m_pad,w_320,h_240`` 320x240, ``m_fixed,w_64,h_64`` 64x64,
and ``l_1024`` leaves an 800x600 photo as it is (``limit`` defaults to 1: never enlarge).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from ..conftest import make_image

EXPECTED = {
    ("uploads/thumb", "ossimg-variants/thumbs/uploads/cat.webp"): ((200, 200), "WEBP"),
    ("uploads/large", "ossimg-uploads/variants/large/uploads/cat.jpg"): ((800, 600), "JPEG"),
    ("uploads/preview", "ossimg-variants/previews/uploads/cat-preview.png"): ((320, 240), "PNG"),
    ("avatars/small", "ossimg-uploads/variants/avatars/me-64.jpg"): ((64, 64), "JPEG"),
}


def page_data(page: Path) -> dict:
    """The data a written gallery page carries (its ``gallery-data`` script element)."""
    text = page.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="gallery-data">(.*?)</script>', text, re.S)
    assert found, "the page carries no data"
    return json.loads(found.group(1))


@pytest.fixture(name="tried", scope="module")
def _tried(tmp_path_factory):
    work = tmp_path_factory.mktemp("try")
    (work / "cat.jpg").write_bytes(make_image((800, 600)))
    (work / "me.png").write_bytes(make_image((300, 300), "PNG"))
    (work / "notes.jpg").write_bytes(make_image((64, 48)))
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "ossimg_local.cli", "try", "--root", str(root), "--out", str(work / "out"),
         "--build", str(work / "build"), str(work / "cat.jpg"), f"{work / 'me.png'}=avatars/me.png",
         f"{work / 'notes.jpg'}=elsewhere/notes.jpg"],
        capture_output=True, text=True, timeout=300, check=False, cwd=work,
    )  # fmt: skip
    return work / "out", done


@pytest.mark.slow
def test_every_variant_is_made_and_kept(tried):
    out, _ = tried
    for (_, target), (size, fmt) in EXPECTED.items():
        with Image.open(out / target) as kept:
            assert (kept.size, kept.format) == (size, fmt), target


@pytest.mark.slow
def test_the_table_has_a_row_per_variant_and_the_photo_no_rule_matches(tried):
    _, done = tried
    for (variant, target), ((w, h), fmt) in EXPECTED.items():
        row = rf"{re.escape(variant)}\s+ok\s+{w}x{h}\s+{fmt.lower().replace('jpeg', 'jpg')} .*{re.escape(target)}"
        assert re.search(row, done.stdout), f"no row for {variant}:\n{done.stdout}"
    assert re.search(r"ossimg-uploads/elsewhere/notes\.jpg\s+-\s+skipped\s+.*no rule matches the key", done.stdout)


@pytest.mark.slow
def test_a_photo_no_rule_matches_is_explained_in_explains_words_and_exits_1(tried):
    _, done = tried
    # What `ossimg explain` prints for the key: the record, and the plan's verdict.
    assert "ossimg-uploads/elsewhere/notes.jpg  (ObjectCreated:PutObject)" in done.stdout
    assert "skipped: no rule matches the key" in done.stdout
    assert done.returncode == 1, done.stderr


@pytest.mark.slow
def test_the_page_shows_each_photo_beside_its_variants(tried):
    out, _ = tried
    data = page_data(out / "index.html")
    sources = {f"{s['bucket']}/{s['key']}": s for s in data["sources"]}
    assert set(sources) == {"ossimg-uploads/uploads/cat.jpg", "ossimg-uploads/avatars/me.png",
                            "ossimg-uploads/elsewhere/notes.jpg"}  # fmt: skip
    shown = {
        (v["rule"] + v["variant"], f"{v['target_bucket']}/{v['target_key']}"): v
        for s in data["sources"]
        for v in s["variants"]
    }
    assert set(shown) == set(EXPECTED)
    thumb = shown[("uploads/thumb", "ossimg-variants/thumbs/uploads/cat.webp")]
    assert thumb["chain"] == "image/resize,m_fill,w_200,h_200/format,webp/quality,q_80"  # as rules/example.yaml says
    assert (thumb["picture"]["width"], thumb["picture"]["format"]) == (200, "webp")
    for s in data["sources"]:
        for picture in [s["picture"]] + [v["picture"] for v in s["variants"]]:
            assert (out / picture["href"]).is_file(), picture["href"]  # every image the page shows is beside it
    assert sources["ossimg-uploads/elsewhere/notes.jpg"]["skipped"] == "no rule matches the key"
