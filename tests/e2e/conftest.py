"""A small cloud per test: its own emulator, the demo's buckets, and the on_upload function."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import oss2
import pytest
from PIL import Image

from ossimg_local.emulator.backend import Backend
from ossimg_local.emulator.server import EmulatorServer
from ossimg_local.fc.runner import FunctionRunner, Invocation
from ossimg_local.fc.template import FunctionSpec, load_template
from ossimg_local.samples import sample_image
from ossimg_local.up import role_credentials

ROOT = Path(__file__).resolve().parents[2]
AK, SK = "LTAI-e2e", "e2e-secret"


@dataclass
class Cloud:
    """The emulator, an oss2 client factory and a runner for functions/on_upload."""

    backend: Backend
    endpoint: str
    spec: FunctionSpec
    rules: Path

    def bucket(self, name: str) -> oss2.Bucket:
        return oss2.Bucket(oss2.Auth(AK, SK), self.endpoint, name)

    def runner(self, runtime: str = "python3.10", policies: Sequence[Any] | None = None, **env: str) -> FunctionRunner:
        """on_upload with its service role's key: the template's ``Policies`` unless ``policies`` says."""
        creds = role_credentials(self.backend, self.spec.policies if policies is None else policies)
        base = {"OSSIMG_OSS_ENDPOINT": self.endpoint, "OSSIMG_RULES": str(self.rules), "OSSIMG_REGION": "cn-hangzhou"}
        return FunctionRunner(replace(self.spec, runtime=runtime), ROOT / "functions" / "on_upload", lambda: creds,
                              env={**base, **env})  # fmt: skip

    def upload(self, event: dict[str, Any], data: bytes | None = None) -> bytes:
        """Put an object for every record of ``event``; returns the event as FC would deliver it."""
        for record in event["events"]:
            obj = record["oss"]["object"]
            body = data if data is not None else sample_image(obj["key"])
            result = self.bucket(record["oss"]["bucket"]["name"]).put_object(obj["key"], body)
            obj["size"], obj["eTag"] = len(body), result.etag
        return json.dumps(event).encode()

    def image(self, bucket: str, key: str) -> tuple[tuple[int, int], str]:
        image = Image.open(io.BytesIO(self.bucket(bucket).get_object(key).read()))
        return image.size, image.format


def log_lines(invocation: Invocation) -> list[dict[str, Any]]:
    """The invocation's JSON lines about its event (an instance's first one also says its rules loaded)."""
    lines = [json.loads(line) for line in invocation.logs.splitlines()]
    return [line for line in lines if line["msg"] != "rules loaded"]


@pytest.fixture(name="cloud")
def _cloud(tmp_path) -> Iterator[Cloud]:
    backend = Backend.open(tmp_path / "oss", AK, SK, durable=False)
    spec = next(s for s in load_template(ROOT / "template.yml") if s.name == "on_upload")
    with EmulatorServer(backend) as server:
        cloud = Cloud(backend, server.endpoint, spec, ROOT / "rules" / "example.yaml")
        for name in ("ossimg-uploads", "ossimg-variants"):
            cloud.bucket(name).create_bucket()
        yield cloud
