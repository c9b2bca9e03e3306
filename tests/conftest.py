"""Shared fixtures: sample events, sample images, an emulator on a free port, oss2 buckets."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import oss2
import pytest
from PIL import Image

from ossimg_local.emulator.backend import Backend
from ossimg_local.emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parent.parent
AK, SK = "LTAI-test-key", "test-secret"
REGION = "cn-hangzhou"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-testdata", action="store_true", help="rewrite golden files under tests/testdata")


@pytest.fixture(name="update_testdata")
def _update_testdata(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-testdata"))


@pytest.fixture(name="root")
def _root() -> Path:
    return ROOT


@pytest.fixture(name="load_event")
def _load_event() -> Callable[[str], dict[str, Any]]:
    """The parsed JSON of ``events/<name>``: tests start from the same samples the demo uses."""

    def load(name: str) -> dict[str, Any]:
        return json.loads((ROOT / "events" / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    return load


def make_image(size: tuple[int, int], fmt: str = "JPEG", mode: str = "RGB", **save: Any) -> bytes:
    """A gradient image of ``size`` encoded as ``fmt``."""
    image = Image.linear_gradient("L").resize(size).convert(mode)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


@pytest.fixture(name="image_bytes")
def _image_bytes() -> Callable[..., bytes]:
    return make_image


@pytest.fixture(scope="session", name="backend")
def _backend(tmp_path_factory: pytest.TempPathFactory) -> Backend:
    return Backend.open(tmp_path_factory.mktemp("oss-data"), AK, SK, region=REGION)


@pytest.fixture(scope="session", name="emulator")
def _emulator(backend: Backend) -> Iterator[EmulatorServer]:
    """One emulator for the session, on a free port, serving real HTTP."""
    with EmulatorServer(backend) as server:
        yield server


@pytest.fixture(name="endpoint")
def _endpoint(emulator: EmulatorServer) -> str:
    return emulator.endpoint


@pytest.fixture(name="auth")
def _auth() -> oss2.Auth:
    return oss2.Auth(AK, SK)


@pytest.fixture(name="make_bucket")
def _make_bucket(endpoint: str, auth: oss2.Auth) -> Callable[..., oss2.Bucket]:
    """Create a fresh bucket with a unique name; extra kwargs go to ``create_bucket``."""

    def make(acl: str = oss2.BUCKET_ACL_PRIVATE, prefix: str = "t") -> oss2.Bucket:
        bucket = oss2.Bucket(auth, endpoint, f"{prefix}-{uuid.uuid4().hex[:12]}")
        bucket.create_bucket(acl)
        return bucket

    return make


@pytest.fixture(name="bucket")
def _bucket(make_bucket: Callable[..., oss2.Bucket]) -> oss2.Bucket:
    return make_bucket()
