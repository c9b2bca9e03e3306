"""Shared fixtures: sample events, sample images, an emulator on a free port, and buckets through
both OSS SDKs, on the emulator or (``pytest --cloud``, ``make test-cloud``) on real OSS."""

from __future__ import annotations

import io
import json
import os
import signal
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import oss2
import pytest
from PIL import Image

from ossimg_local.emulator.backend import Backend
from ossimg_local.emulator.server import EmulatorServer

from .emulator.clients import SDKS, Client, Credentials, Target, make_client

ROOT = Path(__file__).resolve().parent.parent
AK, SK = "LTAI-test-key", "test-secret"
REGION = "cn-hangzhou"

# What names a real bucket for ``--cloud``; OSSIMG_TEST_BUCKET is the prefix of the throw-away buckets
# the tests create (and empty and delete afterwards), so keys may be limited to ``<prefix>-*``.
CLOUD_VARIABLES = (
    "OSSIMG_TEST_ENDPOINT", "OSSIMG_TEST_REGION", "OSSIMG_TEST_BUCKET",
    "OSSIMG_TEST_ACCESS_KEY_ID", "OSSIMG_TEST_ACCESS_KEY_SECRET",
)  # fmt: skip
# Fixtures that reach into the emulator itself: tests using them cannot run against real OSS.
EMULATOR_FIXTURES = ("backend", "emulator")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-testdata", action="store_true", help="rewrite golden files under tests/testdata")
    parser.addoption("--cloud", action="store_true", help="run the SDK tests on the real OSS OSSIMG_TEST_* name")


def pytest_configure(config: pytest.Config) -> None:
    # A run started in the background (``make test &``, a job runner) inherits Ctrl-C ignored, and so
    # would every ``ossimg`` process the tests start: the tests that stop one with SIGINT, as Ctrl-C
    # does, would find it deaf. A handler here is reset to the default in each child, as in a terminal.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if config.getoption("--cloud"):
        missing = [name for name in CLOUD_VARIABLES if not os.environ.get(name)]
        if missing:
            pytest.exit(f"--cloud needs {', '.join(missing)} to name a real OSS bucket", returncode=4)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On ``--cloud``, skip what only the emulator can do, and say why."""
    if not config.getoption("--cloud"):
        return
    for item in items:
        marker = item.get_closest_marker("emulator_only")
        used = [f for f in EMULATOR_FIXTURES if f in getattr(item, "fixturenames", ())]
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason=f"emulator only: {marker.args[0]}"))
        elif used:
            item.add_marker(pytest.mark.skip(reason=f"emulator only: uses the emulator's {used[0]}"))
        elif "target" not in getattr(item, "fixturenames", ()):
            item.add_marker(
                pytest.mark.skip(
                    reason="emulator only: it runs on an emulator of its own (faults, counters, role keys)"
                )
            )


def cloud_target() -> Target:
    """The real OSS that ``--cloud`` runs against (the e2e tests can use it too)."""
    env = os.environ
    creds = Credentials(env["OSSIMG_TEST_ACCESS_KEY_ID"], env["OSSIMG_TEST_ACCESS_KEY_SECRET"],
                        env.get("OSSIMG_TEST_SECURITY_TOKEN") or None)  # fmt: skip
    return Target(env["OSSIMG_TEST_ENDPOINT"], env["OSSIMG_TEST_REGION"], creds, cloud=True)


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


@pytest.fixture(scope="session", name="target")
def _target(request: pytest.FixtureRequest) -> Target:
    """The emulator (started on first use), or real OSS with ``--cloud``."""
    if request.config.getoption("--cloud"):
        return cloud_target()
    server: EmulatorServer = request.getfixturevalue("emulator")
    return Target(server.endpoint, REGION, Credentials(AK, SK))


@pytest.fixture(name="sdk", params=SDKS)
def _sdk(request: pytest.FixtureRequest) -> str:
    """Each test that uses a bucket runs once through oss2 and once through alibabacloud-oss-v2."""
    return str(request.param)


@contextmanager
def bucket_factory(target: Target, sdk: str) -> Iterator[Callable[..., Client]]:
    """Makes fresh buckets with unique names. On real OSS every bucket made is emptied and deleted
    at the end."""
    made: list[Client] = []
    run = os.environ.get("OSSIMG_TEST_BUCKET", "t") if target.cloud else ""

    def make(acl: str = "private", prefix: str = "t") -> Client:
        client = make_client(sdk, target, f"{run or prefix}-{uuid.uuid4().hex[:12]}")
        client.create(acl)
        made.append(client)
        return client

    try:
        yield make
    finally:
        if target.cloud:
            for client in made:
                empty_and_delete(client)


@pytest.fixture(name="make_bucket")
def _make_bucket(target: Target, sdk: str) -> Iterator[Callable[..., Client]]:
    """Create a fresh bucket through the test's SDK; ``acl`` and a name ``prefix`` are optional."""
    with bucket_factory(target, sdk) as make:
        yield make


@pytest.fixture(name="oss2_bucket")
def _oss2_bucket(target: Target) -> Iterator[Client]:
    """A fresh bucket through oss2 only, for tests of oss2's own wire habits."""
    with bucket_factory(target, "oss2") as make:
        yield make()


def empty_and_delete(client: Client) -> None:
    """Remove everything a test left in a real bucket, then the bucket."""
    for key, upload_id in client.list_uploads():
        client.abort(key, upload_id)
    keys = client.all_keys()
    for start in range(0, len(keys), 1000):
        client.delete_many(keys[start : start + 1000])
    client.delete_bucket()


@pytest.fixture(name="bucket")
def _bucket(make_bucket: Callable[..., Client]) -> Client:
    return make_bucket()
