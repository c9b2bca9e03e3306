"""``ossimg up``: the local cloud running: the emulator, and the functions of template.yml, built as
FC runs them, invoked on every upload their OSS triggers match, asynchronously, by several instances
at once, with FC's retries; events that exhaust them go to the on-failure destination's folder, from
where ``ossimg failures redrive`` sends them back. The wiring lives here; ``serve_up.py`` is the
command a person runs (startup summary, live gallery, rule reloads)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ossimg.rules.load import load_rules

from .deploy.package import build_function
from .emulator.backend import Backend
from .emulator.notify import Notifier, Subscription
from .fc.async_invoke import AsyncEvent
from .fc.context import Credentials
from .fc.destination import RedriveWatcher
from .fc.runner import FunctionRunner
from .fc.template import FunctionSpec, load_template
from .ram import Policy

# FC's role credentials are "valid for 36 hours" (FC Python context page, platform-facts §0.3).
ROLE_KEY_TTL = 36 * 3600
DEFAULT_INSTANCES = 4
Reporter = Callable[[str, AsyncEvent], None]


class HasEndpoint(Protocol):
    """The emulator's server, or anything serving it."""

    @property
    def endpoint(self) -> str: ...


def needed_buckets(specs: Sequence[FunctionSpec], rules: Path) -> list[str]:
    """Every bucket the functions' triggers watch or the rules write to."""
    names = {t.bucket for spec in specs for t in spec.triggers}
    names |= {v.bucket for r in load_rules(rules).rules for v in r.variants if v.bucket}
    return sorted(names)


def build_all(root: Path, specs: Sequence[FunctionSpec], rules: Path, out: Path) -> dict[str, Path]:
    """Build every function (dependencies from the cache); returns each one's code folder."""
    return {spec.name: build_function(root, spec, rules, out, local=True) for spec in specs}


def role_credentials(backend: Backend, policies: Sequence[Any], ttl_seconds: float = ROLE_KEY_TTL) -> Credentials:
    """An STS key the emulator limits to ``policies`` (a service role's ``Policies``), as FC hands a
    function its service role's key. Raises PolicyError for a policy the local cloud cannot read."""
    sts = backend.keyring.issue_sts(ttl_seconds, Policy.from_documents(policies))
    return Credentials(sts.access_key_id, sts.access_key_secret, sts.security_token or "")


def emulator_runner(
    backend: Backend,
    endpoint: str,
    code_dir: Path,
    spec: FunctionSpec,
    rules: Path,
    *,
    echo: bool = True,
    instances: int = 1,
    failures: Path | None = None,
) -> FunctionRunner:
    """Local FC instances of ``spec``'s build that talk to the emulator with its service role's key."""
    creds = role_credentials(backend, spec.policies)
    env = {"OSSIMG_OSS_ENDPOINT": endpoint, "OSSIMG_RULES": str(rules.resolve()), "OSSIMG_REGION": backend.region}
    return FunctionRunner(
        spec,
        code_dir,
        lambda: creds,
        region=backend.region,
        env=env,
        echo=echo,
        instances=instances,
        failures_dir=failures,
    )


@dataclass
class LocalCloud:
    """The wiring of ``ossimg up``: notifications -> asynchronous queues -> instances, and re-drives.

    ``make_runner(spec, rules)`` starts a function's instances; ``reporter(function, event)`` hears of
    each asynchronous invocation once it is settled (every attempt's log is in it).
    """

    notifier: Notifier
    specs: list[FunctionSpec] = field(default_factory=list)
    make_runner: Callable[[FunctionSpec, Path], FunctionRunner] | None = None
    reporter: Reporter | None = None
    runners: list[FunctionRunner] = field(default_factory=list)
    watcher: RedriveWatcher | None = None
    _retired: list[threading.Thread] = field(default_factory=list)

    def submit(self, arn: str, event: bytes) -> bool:
        """Invoke the function ``arn`` asynchronously; False when it is not one of ours."""
        for runner in self.runners:
            if runner.arn == arn:
                self._report(runner, runner.submit(event))
                return True
        return False

    def deliver(self, name: str, event: bytes) -> None:
        """An OSS notification for the function ``name``: into its current asynchronous queue."""
        runner = next(r for r in self.runners if r.spec.name == name)
        self._report(runner, runner.submit(event))

    def reload(self, rules: Path) -> None:
        """New instances with ``rules``: events from now on go to them; the old ones finish what
        they accepted (retries included), then stop."""
        assert self.make_runner is not None
        old, self.runners = self.runners, [self.make_runner(spec, rules) for spec in self.specs]
        for runner in old:
            thread = threading.Thread(target=_retire, args=(runner,), name=f"retire-{runner.name}", daemon=True)
            thread.start()
            self._retired.append(thread)

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
        for thread in self._retired:
            thread.join(timeout=5)

    def _report(self, runner: FunctionRunner, accepted: AsyncEvent) -> None:
        reporter = self.reporter
        if reporter is None:
            return

        def settled() -> None:
            accepted.done.wait()
            reporter(runner.spec.name, accepted)

        threading.Thread(target=settled, name=f"report-{accepted.request_id[:8]}", daemon=True).start()


def _retire(runner: FunctionRunner) -> None:
    runner.drain(timeout=600)
    runner.close()


def start(
    backend: Backend,
    server: HasEndpoint,
    root: Path,
    rules: Path,
    builds: Mapping[str, Path],
    *,
    echo: bool = True,
    instances: int = DEFAULT_INSTANCES,
    failures: Path | None = None,
    reporter: Reporter | None = None,
) -> LocalCloud:
    """Create the buckets the template and rules name, and wire each OSS trigger to its function's
    asynchronous queue (``builds`` maps each function to its code folder)."""
    specs = load_template(root / "template.yml")

    def make_runner(spec: FunctionSpec, rules_file: Path) -> FunctionRunner:
        return emulator_runner(
            backend,
            server.endpoint,
            builds[spec.name],
            spec,
            rules_file,
            echo=echo,
            instances=instances,
            failures=failures,
        )

    cloud = LocalCloud(Notifier(), specs, make_runner, reporter)
    backend.store.subscribe(cloud.notifier.on_object)
    for spec in specs:
        cloud.runners.append(make_runner(spec, rules))
        for trigger in spec.triggers:
            # Delivery only queues the event: the instances take it from there, several at a time.
            cloud.notifier.subscribe(
                Subscription(trigger.bucket, trigger.events, _queue(cloud, spec.name), trigger.prefix, trigger.suffix)
            )
    if failures is not None:
        cloud.watcher = RedriveWatcher(failures, cloud.submit, notice=lambda text: print(text, flush=True))
    create_buckets(backend, needed_buckets(specs, rules))
    return cloud


def create_buckets(backend: Backend, names: list[str]) -> list[str]:
    """Create those of ``names`` that do not exist yet; returns them."""
    existing = {b.name for b in backend.store.list_buckets(max_keys=1000)[0]}
    made = [name for name in names if name not in existing]
    for name in made:
        backend.store.create_bucket(name)
    return made


def _queue(cloud: LocalCloud, name: str) -> Callable[[bytes], None]:
    """FC's asynchronous invocation: accepted at once, run by the next free instance."""

    def deliver(event: bytes) -> None:
        cloud.deliver(name, event)

    return deliver
