"""``ossimg up``: the local cloud running: the emulator, and the functions of template.yml, built as
FC runs them, invoked on every upload their OSS triggers match, asynchronously, by several instances
at once, with FC's retries; events that exhaust them go to the on-failure destination's folder, from
where ``ossimg failures redrive`` sends them back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ossimg.rules.load import load_rules

from .deploy.package import build_function
from .emulator.backend import Backend
from .emulator.notify import Notifier, Subscription
from .emulator.server import EmulatorServer
from .fc.context import Credentials
from .fc.destination import RedriveWatcher
from .fc.runner import FunctionRunner
from .fc.template import FunctionSpec, load_template
from .ram import Policy

# FC's role credentials are "valid for 36 hours" (FC Python context page, platform-facts §0.3).
ROLE_KEY_TTL = 36 * 3600
DEFAULT_INSTANCES = 4


def needed_buckets(specs: list[FunctionSpec], rules: Path) -> list[str]:
    """Every bucket the functions' triggers watch or the rules write to."""
    names = {t.bucket for spec in specs for t in spec.triggers}
    names |= {v.bucket for r in load_rules(rules).rules for v in r.variants if v.bucket}
    return sorted(names)


def build_all(root: Path, specs: list[FunctionSpec], rules: Path, out: Path) -> dict[str, Path]:
    """Build every function (dependencies from the cache); returns each one's code folder."""
    return {spec.name: build_function(root, spec, rules, out, local=True) for spec in specs}


def role_credentials(backend: Backend, policies: Sequence[Any], ttl_seconds: float = ROLE_KEY_TTL) -> Credentials:
    """An STS key the emulator limits to ``policies`` (a service role's ``Policies``), as FC hands a
    function its service role's key. Raises PolicyError for a policy the local cloud cannot read."""
    sts = backend.keyring.issue_sts(ttl_seconds, Policy.from_documents(policies))
    return Credentials(sts.access_key_id, sts.access_key_secret, sts.security_token or "")


def emulator_runner(
    backend: Backend, endpoint: str, code_dir: Path, spec: FunctionSpec, rules: Path, *, echo: bool = True,
    instances: int = 1, failures: Path | None = None,
) -> FunctionRunner:  # fmt: skip
    """Local FC instances of ``spec``'s build that talk to the emulator with its service role's key."""
    creds = role_credentials(backend, spec.policies)
    env = {"OSSIMG_OSS_ENDPOINT": endpoint, "OSSIMG_RULES": str(rules.resolve()), "OSSIMG_REGION": backend.region}
    return FunctionRunner(spec, code_dir, lambda: creds, region=backend.region, env=env, echo=echo,
                          instances=instances, failures_dir=failures)  # fmt: skip


@dataclass
class LocalCloud:
    """The wiring of ``ossimg up``: notifications -> asynchronous queues -> instances, and re-drives."""

    notifier: Notifier
    runners: list[FunctionRunner] = field(default_factory=list)
    watcher: RedriveWatcher | None = None

    def submit(self, arn: str, event: bytes) -> bool:
        """Invoke the function ``arn`` asynchronously; False when it is not one of ours."""
        for runner in self.runners:
            if runner.arn == arn:
                runner.submit(event)
                return True
        return False

    def drain(self, timeout: float = 120) -> bool:
        """Wait until every upload so far was delivered and every invocation settled."""
        if not self.notifier.drain(timeout):
            return False
        if self.watcher is not None:
            self.watcher.sweep()
        return all(runner.drain(timeout) for runner in self.runners)

    def close(self) -> None:
        """Stop delivering, then stop every instance."""
        if self.watcher is not None:
            self.watcher.close()
        self.notifier.close()
        for runner in self.runners:
            runner.close()


def start(
    backend: Backend, server: EmulatorServer, root: Path, rules: Path, builds: Mapping[str, Path], *,
    echo: bool = True, instances: int = DEFAULT_INSTANCES, failures: Path | None = None,
) -> LocalCloud:  # fmt: skip
    """Create the buckets the template and rules name, and wire each OSS trigger to its function's
    asynchronous queue (``builds`` maps each function to its code folder)."""
    cloud = LocalCloud(Notifier())
    backend.store.subscribe(cloud.notifier.on_object)
    specs = load_template(root / "template.yml")
    for spec in specs:
        runner = emulator_runner(backend, server.endpoint, builds[spec.name], spec, rules, echo=echo,
                                 instances=instances, failures=failures)  # fmt: skip
        cloud.runners.append(runner)
        for trigger in spec.triggers:
            # Delivery only queues the event: the instances take it from there, several at a time.
            cloud.notifier.subscribe(Subscription(trigger.bucket, trigger.events, _queue(runner), trigger.prefix,
                                                  trigger.suffix))  # fmt: skip
    if failures is not None:
        cloud.watcher = RedriveWatcher(failures, cloud.submit, notice=lambda text: print(text, flush=True))
    existing = {b.name for b in backend.store.list_buckets(max_keys=1000)[0]}
    for name in needed_buckets(specs, rules):
        if name not in existing:
            backend.store.create_bucket(name)
    return cloud


def _queue(runner: FunctionRunner) -> Callable[[bytes], None]:
    """FC's asynchronous invocation: accepted at once, run by the next free instance."""

    def deliver(event: bytes) -> None:
        runner.submit(event)

    return deliver


def serve(root: Path, data: Path, host: str, port: int, rules: Path, *, build: Path, instances: int) -> None:
    """Build, then run until interrupted."""
    data.mkdir(parents=True, exist_ok=True)
    specs = load_template(root / "template.yml")
    print(f"Building {', '.join(s.name for s in specs)} into {build} …", flush=True)
    builds = build_all(root, specs, rules, build)
    backend = Backend.open(data, "LTAI-local", "local-secret")
    server = EmulatorServer(backend, host, port)
    failures = data / "failures"
    cloud = start(backend, server, root, rules, builds, instances=instances, failures=failures)
    print(f"OSS emulator at {server.endpoint} (access key LTAI-local / local-secret, region {backend.region})")
    print(f"Uploads that match template.yml's OSS triggers now invoke their functions ({instances} instances "
          f"each). Failed events: {failures} (`ossimg failures`). Ctrl-C stops.", flush=True)  # fmt: skip
    try:
        server.serve_until_interrupted()
    finally:
        cloud.close()
