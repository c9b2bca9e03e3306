"""A small cloud per test: its own emulator, the demo's buckets, and the on_upload function run as FC
runs it, from its build (one build per runtime for the whole session)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import oss2
import pytest
from PIL import Image

from ossimg_local.deploy.package import build_function
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
    """The emulator, an oss2 client factory and runners for the built on_upload function."""

    backend: Backend
    endpoint: str
    spec: FunctionSpec
    rules: Path
    build: Callable[[str], Path]
    runners: list[FunctionRunner] = field(default_factory=list)

    def bucket(self, name: str) -> oss2.Bucket:
        return oss2.Bucket(oss2.Auth(AK, SK), self.endpoint, name)

    def runner(
        self, runtime: str = "python3.10", policies: Sequence[Any] | None = None, *, instances: int = 1,
        spec: FunctionSpec | None = None, code_dir: Path | None = None, **env: str,
    ) -> FunctionRunner:  # fmt: skip
        """on_upload's build for ``runtime`` (or ``code_dir``) with its service role's key: the template's
        ``Policies`` unless ``policies`` says. Its instances stop when the test ends."""
        spec = spec or self.spec
        creds = role_credentials(self.backend, spec.policies if policies is None else policies)
        # OSSIMG_RETRY_BASE=0: the function retries at once instead of sleeping through real backoff.
        base = {"OSSIMG_OSS_ENDPOINT": self.endpoint, "OSSIMG_RULES": str(self.rules), "OSSIMG_REGION": "cn-hangzhou",
                "OSSIMG_RETRY_BASE": "0"}  # fmt: skip
        code = code_dir or self.build(runtime)
        runner = FunctionRunner(replace(spec, runtime=runtime), code, lambda: creds,
                                env={**base, **env}, instances=instances, backoff=lambda _: 0.0,
                                notice=lambda _: None)  # fmt: skip
        self.runners.append(runner)
        return runner

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
    """The invocation's JSON lines about its event (an instance's first one also says its rules loaded);
    FC's Start/End lines and the stack trace FC logs for an error are left out."""
    lines = [json.loads(line) for line in invocation.printed() if line.startswith("{")]
    return [line for line in lines if line["msg"] != "rules loaded"]


def on_upload_spec() -> FunctionSpec:
    return next(s for s in load_template(ROOT / "template.yml") if s.name == "on_upload")


@pytest.fixture(scope="session", name="built")
def _built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``build(runtime)``: on_upload built for ``runtime`` once per session (dependencies from the cache)."""
    builds: dict[str, Path] = {}

    def build(runtime: str) -> Path:
        if runtime not in builds:
            spec = replace(on_upload_spec(), runtime=runtime)
            out = tmp_path_factory.mktemp(f"build-{runtime}")
            builds[runtime] = build_function(ROOT, spec, ROOT / "rules" / "example.yaml", out, local=True)
        return builds[runtime]

    return build


@pytest.fixture(name="cloud")
def _cloud(tmp_path, built) -> Iterator[Cloud]:
    backend = Backend.open(tmp_path / "oss", AK, SK, durable=False)
    with EmulatorServer(backend) as server:
        cloud = Cloud(backend, server.endpoint, on_upload_spec(), ROOT / "rules" / "example.yaml", built)
        for name in ("ossimg-uploads", "ossimg-variants"):
            cloud.bucket(name).create_bucket()
        try:
            yield cloud
        finally:
            for runner in cloud.runners:
                runner.close()
