"""``ossimg``: the local cloud's command line. Each command is a thin wrapper."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ossimg`` console script."""
    parser = argparse.ArgumentParser(prog="ossimg", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    emu = commands.add_parser("emulator", help="serve the local OSS emulator in the foreground")
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=int, default=9000, help="0 picks a free port")
    emu.add_argument("--data", type=Path, required=True, help="data directory (kept across restarts)")
    emu.add_argument("--access-key-id", default="LTAI-local")
    emu.add_argument("--access-key-secret", default="local-secret")
    emu.add_argument("--region", default="cn-hangzhou")
    emu.add_argument("--no-fsync", action="store_true", help="faster, but a power loss may lose writes")
    emu.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject faults: process:0.2:error:503:ServerBusy, all:1:delay:100, process:0.05:drop",
    )
    emu.add_argument("--fault-seed", type=int, default=0, help="makes injected faults repeatable")

    demo = commands.add_parser("demo", help="run the sample events through on_upload on a fresh emulator")
    demo.add_argument("--out", type=Path, default=Path("out/demo"), help="where produced variants are kept")
    demo.add_argument("--root", type=Path, default=Path.cwd(), help="the repository root")
    demo.add_argument("--event", type=Path, action="append", help="an event file (default: all of events/)")
    demo.add_argument("--build", type=Path, default=Path("build"), help="where on_upload is built first")

    up = commands.add_parser("up", help="the local cloud: the emulator, with functions invoked on every upload")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=9000)
    up.add_argument("--data", type=Path, default=Path(".emulator-data"))
    up.add_argument("--root", type=Path, default=Path.cwd(), help="the repository root (template.yml, functions/)")
    up.add_argument("--rules", type=Path, default=Path("rules/example.yaml"))
    up.add_argument("--build", type=Path, default=Path("build"), help="where the functions are built first")
    up.add_argument("--instances", type=int, default=4, help="instances per function serving events at once")

    failed = commands.add_parser("failures", help="the events FC's on-failure destination kept (ossimg up)")
    failed.add_argument("action", choices=["list", "redrive"], help="list them, or send them back to their function")
    failed.add_argument("ids", nargs="*", help="redrive only these (default: all)")
    failed.add_argument("--dir", type=Path, default=Path(".emulator-data/failures"))
    failed.add_argument("--json", action="store_true", help="list: the messages as FC sends them, one per line")

    build = commands.add_parser("build", help="package each function of template.yml as FC runs it")
    build.add_argument("--root", type=Path, default=Path.cwd())
    build.add_argument("--rules", type=Path, default=Path("rules/example.yaml"))
    build.add_argument("--out", type=Path, default=Path("build"))
    build.add_argument("--no-deps", action="store_true", help="skip installing runtime dependencies")

    ship = commands.add_parser("deploy", help="apply template.yml to Function Compute with aliyun-fc2")
    ship.add_argument("--endpoint", required=True, help="e.g. https://<account>.cn-hangzhou.fc.aliyuncs.com")
    ship.add_argument("--account-id", required=True)
    ship.add_argument("--role", required=True, help="ARN of the service's RAM role (see template.yml Policies)")
    ship.add_argument("--invocation-role", required=True, help="ARN of the role OSS uses to invoke FC")
    ship.add_argument("--region", default="cn-hangzhou")
    ship.add_argument("--root", type=Path, default=Path.cwd())
    ship.add_argument("--build", type=Path, default=Path("build"))

    check = commands.add_parser("validate", help="check a rule file offline; exit 1 on any problem")
    check.add_argument("rules", type=Path)
    check.add_argument("--json", action="store_true", help="machine-readable report")

    plan = commands.add_parser("explain", help="which rule matches and what each variant becomes, offline")
    plan.add_argument("rules", type=Path)
    plan.add_argument("target", help="an event file (events/*.json) or an object key")
    plan.add_argument("--bucket", help="the bucket a bare key was uploaded to")
    plan.add_argument("--json", action="store_true", help="machine-readable plan")

    commands.add_parser("schema", help="print the JSON Schema of rule files")
    commands.add_parser("coverage", help="print which oss2 calls the emulator serves (EMULATOR_COVERAGE.md)")

    build = commands.add_parser("compile", help="validate rules and write the compiled form the function loads fast")
    build.add_argument("rules", type=Path)
    build.add_argument("-o", "--out", type=Path, help="default: <stem>.compiled/ beside the rules")

    from .backfill.arguments import add_commands as add_backfill_commands

    add_backfill_commands(commands)

    args = parser.parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "emulator": lambda a: _emulator(a, parser), "demo": _demo, "up": _up, "build": _ship, "deploy": _ship,
        "validate": _rules, "explain": _rules, "schema": _rules, "compile": _rules, "coverage": _coverage,
        "failures": _failures,
        "backfill": _backfill, "prune": _backfill, "inventory": _backfill,
    }  # fmt: skip
    return handlers[args.command](args)


def _backfill(args: argparse.Namespace) -> int:
    from .backfill.commands import main as run

    return run(args)


def _rules(args: argparse.Namespace) -> int:
    from . import rules_cli

    if args.command == "validate":
        return rules_cli.validate(args.rules, args.json)
    if args.command == "compile":
        return rules_cli.compile_rules(args.rules, args.out)
    if args.command == "explain":
        return rules_cli.explain(args.rules, args.target, args.bucket, args.json)
    return rules_cli.schema()


def _emulator(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .emulator.backend import Backend
    from .emulator.faults import FaultRule
    from .emulator.server import serve_forever

    args.data.mkdir(parents=True, exist_ok=True)
    backend = Backend.open(
        args.data, args.access_key_id, args.access_key_secret, region=args.region, durable=not args.no_fsync
    )
    try:
        backend.faults.reset([FaultRule.parse(spec) for spec in args.fault], seed=args.fault_seed)
    except ValueError as exc:
        parser.error(str(exc))
    serve_forever(backend, args.host, args.port)
    return 0


def _coverage(_: argparse.Namespace) -> int:
    from .coverage import report

    print(report(), end="")
    return 0


def _up(args: argparse.Namespace) -> int:
    from .up import serve

    serve(args.root.resolve(), args.data, args.host, args.port, args.rules, build=args.build,
          instances=args.instances)  # fmt: skip
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import default_events, reset_out, run_demo

    root = args.root.resolve()
    reset_out(args.out)
    events = [p.resolve() for p in args.event] if args.event else default_events(root)
    return run_demo(root, args.out, events, build=args.build)


def _failures(args: argparse.Namespace) -> int:
    import json

    from .fc.destination import list_failures, redrive

    if args.action == "list":
        for failure in list_failures(args.dir):
            print(json.dumps(failure.message, ensure_ascii=False) if args.json else failure.summary())
        return 0
    try:
        sent = redrive(args.dir, args.ids)
    except KeyError as exc:
        print(f"failures: {exc.args[0]}", file=sys.stderr)
        return 1
    print(f"{len(sent)} event(s) queued for redelivery in {args.dir / 'redrive'}: `ossimg up` invokes each "
          "function with its event again (now if it is running, else when it starts).")  # fmt: skip
    return 0


def _ship(args: argparse.Namespace) -> int:
    import os

    from .deploy.package import BuildError, build_function, size_mb
    from .fc.template import load_template

    specs = load_template(args.root / "template.yml")
    if args.command == "build":
        for spec in specs:
            try:
                folder = build_function(args.root, spec, args.rules, args.out, deps=not args.no_deps)
            except BuildError as exc:
                print(f"build: {spec.name}: {exc}", file=sys.stderr)
                return 1
            print(f"{spec.name}: {folder} ({size_mb(folder):.1f} MB)")
        return 0
    import fc2

    from .deploy.apply import Target, deploy

    key_id, secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID"), os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if not key_id or not secret:
        print("deploy: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET", file=sys.stderr)
        return 2
    client = fc2.Client(endpoint=args.endpoint, accessKeyID=key_id, accessKeySecret=secret,
                        securityToken=os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN", ""))  # fmt: skip
    target = Target(args.region, args.account_id, args.role, args.invocation_role)
    for line in deploy(client, specs, args.build, target):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
