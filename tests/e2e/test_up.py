"""`ossimg up` as a daily tool: what it says at start, the demo's assets, a line for an upload no
trigger matches, the rule file followed while it runs, and the pasted upload command working."""

from __future__ import annotations

import io
import shutil
import subprocess

import oss2
import pytest
from PIL import Image

from ..conftest import make_image
from .running_up import ROOT, running_up

pytestmark = pytest.mark.slow
AUTH = oss2.Auth("LTAI-local", "local-secret")


def test_the_startup_summary_says_what_runs_where(tmp_path):
    with running_up(tmp_path) as up:
        endpoint = up.endpoint
        for pattern in [
            r"^  access key\s+LTAI-local / local-secret",
            r"^  buckets\s+ossimg-uploads, ossimg-variants",
            r"^  triggers\s+on_upload <- ossimg-uploads/uploads/\*, on_upload <- ossimg-uploads/avatars/\*, "
            r"on_upload <- ossimg-uploads/gallery/\*",
            r"^  assets\s+ossimg-uploads/assets/logo\.png, style ossimg-square",
            rf"^  gallery\s+{endpoint}/_ossimg/$",
        ]:
            up.wait_for(pattern, timeout=5)


def test_the_pasted_command_uploads_and_the_variants_follow(tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(make_image((800, 600)))
    with running_up(tmp_path) as up:
        command = up.wait_for(r"^  (curl -T photo\.jpg '.*')$").group(1)
        done = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
        up.wait_for(r"^  = ok: 3 ok in ")
        variants = oss2.Bucket(AUTH, up.endpoint, "ossimg-variants")
        thumb = Image.open(io.BytesIO(variants.get_object("thumbs/uploads/photo.webp").read()))
        assert thumb.size == (200, 200)
        # curl -T sends no Content-Type: stored as OSS stores it, and processed all the same.
        head = oss2.Bucket(AUTH, up.endpoint, "ossimg-uploads").head_object("uploads/photo.jpg")
        assert head.content_type == "application/octet-stream"


def test_the_gallery_rule_has_its_logo_and_style(tmp_path):
    with running_up(tmp_path) as up:
        oss2.Bucket(AUTH, up.endpoint, "ossimg-uploads").put_object("gallery/lake.jpg", make_image((1200, 900)))
        up.wait_for(r"^  = ok: 13 ok in ")
        assert not [line for line in up.lines if "FAILED" in line]


def test_an_upload_no_trigger_matches_gets_one_line(tmp_path):
    with running_up(tmp_path) as up:
        oss2.Bucket(AUTH, up.endpoint, "ossimg-uploads").put_object("photos/cat.jpg", make_image((64, 48)))
        up.wait_for(r"^no trigger: ossimg-uploads/photos/cat\.jpg was uploaded, but no OSS trigger of template\.yml "
                    r"matches it \(prefixes uploads/, avatars/, gallery/\): no function runs$")  # fmt: skip


BAD = "version: 1\nrules:\n  uploads/:\n    variants:\n      thumb: {ops: [{resize: {w: 0}}], key: 'thumbs/{key}'}\n"
NEW = (ROOT / "rules" / "example.yaml").read_text(encoding="utf-8").replace("m_pad,w_320,h_240", "m_pad,w_160,h_120")


def test_the_rules_are_followed_and_a_bad_version_is_refused(tmp_path):
    rules = tmp_path / "rules.yaml"
    shutil.copy(ROOT / "rules" / "example.yaml", rules)
    with running_up(tmp_path, "--rules", str(rules)) as up:
        rules.write_text(BAD, encoding="utf-8")
        up.wait_for(rf"^rules: {rules} changed but is refused; the functions keep the last good version\. "
                    r"1 problem in the rules:")  # fmt: skip
        up.wait_for(rf"^  {rules}:5: rules\['uploads/'\]\.variants\.thumb\.ops")
        uploads = oss2.Bucket(AUTH, up.endpoint, "ossimg-uploads")
        uploads.put_object("uploads/one.jpg", make_image((640, 480)))
        up.wait_for(r"previews/uploads/one-preview\.png")  # the last good rules still run
        rules.write_text(NEW, encoding="utf-8")
        up.wait_for(rf"^rules: {rules} reloaded \(version [0-9a-f]+\): the functions' next instances use it")
        uploads.put_object("uploads/two.jpg", make_image((640, 480)))
        up.wait_for(r"previews/uploads/two-preview\.png")
        variants = oss2.Bucket(AUTH, up.endpoint, "ossimg-variants")
        one = Image.open(io.BytesIO(variants.get_object("previews/uploads/one-preview.png").read()))
        two = Image.open(io.BytesIO(variants.get_object("previews/uploads/two-preview.png").read()))
        assert (one.size, two.size) == ((320, 240), (160, 120))  # m_pad pads to exactly w x h
