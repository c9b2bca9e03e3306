"""``ossimg up``: the local cloud running: the emulator, and the functions of template.yml invoked
on every upload their OSS triggers match, asynchronously and with FC's retries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ossimg.rules.load import load_rules

from .emulator.backend import Backend
from .emulator.notify import Notifier, Subscription
from .emulator.server import EmulatorServer
from .fc.context import Credentials
from .fc.runner import FunctionRunner
from .fc.template import FunctionSpec, load_template
from .ram import Policy

# FC's role credentials are "valid for 36 hours" (FC Python context page, platform-facts §0.3).
ROLE_KEY_TTL = 36 * 3600


def needed_buckets(specs: list[FunctionSpec], rules: Path) -> list[str]:
    """Every bucket the functions' triggers watch or the rules write to."""
    names = {t.bucket for spec in specs for t in spec.triggers}
    names |= {v.bucket for r in load_rules(rules).rules for v in r.variants if v.bucket}
    return sorted(names)


def role_credentials(backend: Backend, policies: Sequence[Any], ttl_seconds: float = ROLE_KEY_TTL) -> Credentials:
    """An STS key the emulator limits to ``policies`` (a service role's ``Policies``), as FC hands a
    function its service role's key. Raises PolicyError for a policy the local cloud cannot read."""
    sts = backend.keyring.issue_sts(ttl_seconds, Policy.from_documents(policies))
    return Credentials(sts.access_key_id, sts.access_key_secret, sts.security_token or "")


def emulator_runner(
    backend: Backend, endpoint: str, root: Path, spec: FunctionSpec, rules: Path, *, echo: bool = True
) -> FunctionRunner:
    """A local FC instance of ``spec`` that talks to the emulator with its service role's key."""
    creds = role_credentials(backend, spec.policies)
    env = {"OSSIMG_OSS_ENDPOINT": endpoint, "OSSIMG_RULES": str(rules.resolve()), "OSSIMG_REGION": backend.region}
    return FunctionRunner(spec, root / "functions" / spec.name, lambda: creds, region=backend.region, env=env,
                          echo=echo)  # fmt: skip


def start(backend: Backend, server: EmulatorServer, root: Path, rules: Path, *, echo: bool = True) -> Notifier:
    """Create the buckets the template and rules name, and wire each OSS trigger to its function."""
    notifier = Notifier()
    backend.store.subscribe(notifier.on_object)
    specs = load_template(root / "template.yml")
    for spec in specs:
        runner = emulator_runner(backend, server.endpoint, root, spec, rules, echo=echo)
        for trigger in spec.triggers:
            notifier.subscribe(Subscription(trigger.bucket, trigger.events, _async(runner), trigger.prefix,
                                            trigger.suffix))  # fmt: skip
    existing = {b.name for b in backend.store.list_buckets(max_keys=1000)[0]}
    for name in needed_buckets(specs, rules):
        if name not in existing:
            backend.store.create_bucket(name)
    return notifier


def _async(runner: FunctionRunner) -> Callable[[bytes], None]:
    """FC's asynchronous invocation: retried, then the failure destination (``runner.failures``)."""

    def deliver(event: bytes) -> None:
        runner.invoke_async(event)

    return deliver


def serve(root: Path, data: Path, host: str, port: int, rules: Path) -> None:
    """Run until interrupted."""
    data.mkdir(parents=True, exist_ok=True)
    backend = Backend.open(data, "LTAI-local", "local-secret")
    server = EmulatorServer(backend, host, port)
    notifier = start(backend, server, root, rules)
    print(f"OSS emulator at {server.endpoint} (access key LTAI-local / local-secret, region {backend.region})")
    print("Uploads that match template.yml's OSS triggers now invoke their functions. Ctrl-C stops.", flush=True)
    try:
        server.serve_until_interrupted()
    finally:
        notifier.close()
