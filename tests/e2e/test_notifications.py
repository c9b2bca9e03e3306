"""Upload notifications: what the template's OSS triggers match invokes the function, once."""

from __future__ import annotations

import io

import oss2
import pytest
from PIL import Image

from ossimg_local.emulator.backend import Backend
from ossimg_local.emulator.server import EmulatorServer
from ossimg_local.samples import sample_image
from ossimg_local.up import start

from .conftest import ROOT


@pytest.fixture(name="local_cloud")
def _local_cloud(tmp_path, built):
    backend = Backend.open(tmp_path / "oss", "LTAI-local", "local-secret", durable=False)
    with EmulatorServer(backend) as server:
        cloud = start(backend, server, ROOT, ROOT / "rules" / "example.yaml", {"on_upload": built("python3.10")},
                      echo=False, instances=2)  # fmt: skip
        try:
            yield backend, oss2.Auth("LTAI-local", "local-secret"), server.endpoint, cloud
        finally:
            cloud.close()


def test_an_upload_is_processed_without_anyone_invoking_anything(local_cloud):
    backend, auth, endpoint, cloud = local_cloud
    oss2.Bucket(auth, endpoint, "ossimg-uploads").put_object("uploads/new/cat.jpg", sample_image("cat.jpg", (640, 480)))
    assert cloud.drain()
    thumb = oss2.Bucket(auth, endpoint, "ossimg-variants").get_object("thumbs/uploads/new/cat.webp").read()
    assert Image.open(io.BytesIO(thumb)).size == (200, 200)
    # The variant saved back into the source bucket, and the lineage copies, trigger nothing more.
    assert backend.faults.counts("process") == {("ossimg-uploads", "uploads/new/cat.jpg"): 3}


def test_keys_outside_the_trigger_prefixes_invoke_nothing(local_cloud):
    backend, auth, endpoint, cloud = local_cloud
    oss2.Bucket(auth, endpoint, "ossimg-uploads").put_object("elsewhere/cat.jpg", sample_image("x.jpg", (64, 64)))
    assert cloud.drain()
    assert backend.faults.counts("process") == {}


def test_a_multipart_upload_invokes_once_when_complete(local_cloud, tmp_path):
    backend, auth, endpoint, cloud = local_cloud
    big = tmp_path / "big.png"
    Image.effect_noise((1500, 1000), 64).convert("RGB").save(big, "PNG")
    oss2.resumable_upload(oss2.Bucket(auth, endpoint, "ossimg-uploads"), "uploads/big.png", str(big),
                          store=oss2.ResumableStore(root=str(tmp_path)), multipart_threshold=100 * 1024,
                          part_size=512 * 1024)  # fmt: skip
    assert cloud.drain()
    assert backend.faults.counts("process") == {("ossimg-uploads", "uploads/big.png"): 3}
