"""A throw-away local cloud for one run of ``ossimg demo``, ``invoke`` or ``try``: on_upload built as FC
runs it, the emulator on a free port with a temporary data folder, the buckets the template and
rules name, the example rules' assets, and the function's instances with its service role's key."""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

import oss2

from ossimg.rules.compiled import CompiledRules
from ossimg.rules.load import load_rules

from . import assets
from .deploy.package import build_function
from .emulator.backend import Backend
from .emulator.server import EmulatorServer
from .fc.runner import FunctionRunner, Invocation
from .fc.template import FunctionSpec
from .gallery.model import SourceView, sources_from_log
from .logview import human
from .up import emulator_runner, needed_buckets

AK, SK = "LTAI-demo-access-key", "demo-secret-not-for-production"


class Sandbox:
    """Use as a context manager; ``invoke`` runs the function on an event and prints its log."""

    def __init__(
        self,
        spec: FunctionSpec,
        root: Path,
        rules: Path,
        build: Path,
        *,
        log_format: str = "human",
        region: str = "cn-hangzhou",
    ) -> None:
        self.spec, self.root, self.rules_file, self.build = spec, root, rules, build
        self.log_format = log_format
        self.region = region
        self.rules: CompiledRules = load_rules(rules)
        self.endpoint = ""
        self._auth = oss2.Auth(AK, SK)
        self._stack = ExitStack()
        self._cache: dict[tuple[str, str], bytes | None] = {}
        self.runner: FunctionRunner | None = None
        self.backend: Backend | None = None

    def __enter__(self) -> Sandbox:
        print(f"Building {self.spec.name} into {self.build} …", flush=True)
        code_dir = build_function(self.root, self.spec, self.rules_file, self.build, local=True)
        with ExitStack() as stack:
            data = stack.enter_context(tempfile.TemporaryDirectory(prefix="ossimg-sandbox-"))
            self.backend = backend = Backend.open(Path(data), AK, SK, region=self.region, durable=False)
            server = stack.enter_context(EmulatorServer(backend))
            self.endpoint = server.endpoint
            print(f"OSS emulator at {server.endpoint}, data in {data} (deleted at exit)", flush=True)
            for name in needed_buckets([self.spec], self.rules_file):
                self.bucket(name).create_bucket()
            if assets.SOURCE_BUCKET in needed_buckets([self.spec], self.rules_file):
                assets.seed(self.bucket(assets.SOURCE_BUCKET))
            self.runner = stack.enter_context(
                emulator_runner(backend, server.endpoint, code_dir, self.spec, self.rules_file, echo=False)
            )
            self._stack = stack.pop_all()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stack.close()

    def bucket(self, name: str) -> oss2.Bucket:
        """An oss2 client of ``name`` with the account's key."""
        return oss2.Bucket(self._auth, self.endpoint, name)

    def invoke(self, event: bytes) -> Invocation:
        """Run the function once on ``event`` as FC does, and print its log."""
        assert self.runner is not None, "use the Sandbox as a context manager"
        result = self.runner.invoke(event)
        if self.log_format == "json":
            print(result.logs, end="", flush=True)
        else:
            print("\n".join(human(result.printed(), "" if result.ok else result.error)), flush=True)
        return result

    def put(self, bucket: str, key: str, data: bytes) -> str:
        """Upload ``data`` with the account's key; returns the ETag OSS gave it."""
        self._cache.pop((bucket, key), None)
        return str(self.bucket(bucket).put_object(key, data).etag)

    def read(self, bucket: str, key: str) -> bytes | None:
        """An object's bytes (kept for the run), or None when it is not there."""
        if (bucket, key) not in self._cache:
            try:
                self._cache[(bucket, key)] = self.bucket(bucket).get_object(key).read()
            except oss2.exceptions.NoSuchKey:
                self._cache[(bucket, key)] = None
        return self._cache[(bucket, key)]

    def sources(self, result: Invocation) -> list[SourceView]:
        """What the invocation made of each source, for the gallery."""
        return sources_from_log(result.printed(), self.rules, self.read)
