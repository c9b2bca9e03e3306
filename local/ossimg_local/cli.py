"""ossimg: image variants made the moment a photo lands in Alibaba Cloud OSS, by a Function Compute
function, and a local cloud (an OSS emulator and an FC runner) to see and try it without an account.

Start with `ossimg demo`, then `ossimg try PHOTO…` or `ossimg up`. Exit codes: 0 done, 1 a check
failed (rules, event, variant), 2 the command cannot run as asked, 130 interrupted, 141 output closed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from . import usererrors
from .logview import FORMATS

Formatter = argparse.ArgumentDefaultsHelpFormatter


def _version() -> str:
    return f"ossimg {version('ossimg')}"


def parser() -> argparse.ArgumentParser:
    """Every command and option, with its default shown in ``--help``."""
    top = argparse.ArgumentParser(prog="ossimg", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    top.add_argument("--version", action="version", version=_version())
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=text, description=text, formatter_class=Formatter)

    def workspace(cmd: argparse.ArgumentParser, rules: bool = True) -> None:
        cmd.add_argument("--root", type=Path, default=Path(), help="the repository (where template.yml is)")
        if rules:
            cmd.add_argument("--rules", type=Path, help="the rule file (default: rules/example.yaml under --root)")

    def log_format(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument(
            "--log-format",
            choices=FORMATS,
            default="human",
            help="the function's log: a line per variant, or its JSON lines as FC shows them",
        )

    demo = command("demo", "run the sample events through on_upload on a fresh emulator; writes a gallery page")
    demo.add_argument("--out", type=Path, default=Path("out/demo"), help="where sources, variants and index.html go")
    demo.add_argument("--event", type=Path, action="append", help="an event file, repeatable (default: events/*.json)")
    demo.add_argument("--build", type=Path, default=Path("build"), help="where on_upload is built first")
    workspace(demo)
    log_format(demo)

    trying = command("try", "run the rules on your own photos through the emulator and the function")
    trying.add_argument("photos", nargs="+", metavar="PHOTO", help="a file, or FILE=KEY to choose its object key")
    trying.add_argument("--out", type=Path, default=Path("out/try"), help="where variants and index.html go")
    trying.add_argument("--prefix", help="key prefix for each photo (default: the first rule's prefix)")
    trying.add_argument("--bucket", help="the bucket to upload to (default: the one the matching rule filters on)")
    trying.add_argument("--build", type=Path, default=Path("build"), help="where on_upload is built first")
    workspace(trying)
    log_format(trying)

    up = command("up", "the local cloud: the emulator, with functions invoked on every upload, and a live gallery")
    up.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    up.add_argument("--port", type=int, default=9000, help="the emulator's port (0 picks a free one)")
    up.add_argument("--data", type=Path, default=Path(".emulator-data"), help="the emulator's data, kept")
    up.add_argument("--build", type=Path, default=Path("build"), help="where the functions are built first")
    up.add_argument("--instances", type=int, default=4, help="instances per function serving events at once")
    workspace(up)
    log_format(up)

    emu = command("emulator", "serve the OSS emulator alone, in the foreground")
    emu.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    emu.add_argument("--port", type=int, default=9000, help="0 picks a free port")
    emu.add_argument("--data", type=Path, required=True, help="data directory (kept across restarts)")
    emu.add_argument("--access-key-id", default="LTAI-local", help="the account's access key id")
    emu.add_argument("--access-key-secret", default="local-secret", help="the account's access key secret")
    emu.add_argument("--region", default="cn-hangzhou", help="the region the emulator says it is in")
    emu.add_argument("--no-fsync", action="store_true", help="faster, but a power loss may lose writes")
    faults = "inject faults: process:0.2:error:503:ServerBusy, all:1:delay:100, process:0.05:drop"
    emu.add_argument("--fault", action="append", default=[], metavar="SPEC", help=faults)
    emu.add_argument("--fault-seed", type=int, default=0, help="makes injected faults repeatable")
    emu.add_argument(
        "--img-memory",
        type=int,
        default=1024,
        metavar="MB",
        help="memory IMG requests may hold at once: more waits, a request larger is refused",
    )

    failed = command("failures", "the events FC's on-failure destination kept while `ossimg up` ran")
    failed.add_argument("action", choices=["list", "redrive"], help="list them, or send them back to their function")
    failed.add_argument("ids", nargs="*", help="redrive only these (default: all)")
    failed.add_argument("--dir", type=Path, default=Path(".emulator-data/failures"), help="where they are kept")
    failed.add_argument("--json", action="store_true", help="list: the messages as FC sends them, one per line")

    build = command("build", "package each function of template.yml as FC runs it")
    build.add_argument("--out", type=Path, default=Path("build"), help="where the code folders go")
    build.add_argument("--no-deps", action="store_true", help="skip installing runtime dependencies")
    workspace(build)

    ship = command("deploy", "apply template.yml to Function Compute with aliyun-fc2 (keys in ALIBABA_CLOUD_*)")
    ship.add_argument("--endpoint", required=True, help="e.g. https://<account>.cn-hangzhou.fc.aliyuncs.com")
    ship.add_argument("--account-id", required=True, help="your Alibaba Cloud account id")
    ship.add_argument("--role", required=True, help="ARN of the service's RAM role (see template.yml Policies)")
    ship.add_argument("--invocation-role", required=True, help="ARN of the role OSS uses to invoke FC")
    ship.add_argument("--region", default="cn-hangzhou", help="the region to deploy to")
    ship.add_argument("--build", type=Path, default=Path("build"), help="where `ossimg build` put the functions")
    ship.add_argument("--plan", action="store_true", help="list what would be created, updated, deleted, replaced")
    orphans = "keep functions and triggers that template.yml no longer has"
    ship.add_argument("--keep-orphans", action="store_true", help=orphans)
    workspace(ship, rules=False)

    tpl = command("template", "the OSS triggers and role statements the rules need; --check compares template.yml")
    tpl.add_argument("--check", action="store_true", help="exit 1 naming each trigger or statement that differs")
    workspace(tpl)

    ram = command("roles", "the RAM roles the deployment needs, and the deploying user's policy, for aliyun ram")
    ram.add_argument("--account-id", default="<account-id>", help="your Alibaba Cloud account id")
    ram.add_argument("--region", default="cn-hangzhou", help="the region deployed to")
    ram.add_argument("--user", default="<deploying RAM user>", help="the RAM user that runs ossimg deploy")
    workspace(ram)

    check = command("validate", "check a rule file offline; exit 1 listing every problem")
    check.add_argument("rules", type=Path, help="the rule file")
    check.add_argument("--json", action="store_true", help="machine-readable report")

    plan = command("explain", "which rule matches an upload and what each variant becomes, offline")
    plan.add_argument("rules", type=Path, help="the rule file")
    plan.add_argument("target", help="an event file (events/*.json), or an object key")
    plan.add_argument("--bucket", help="the bucket a key was uploaded to (needed when the rules name several)")
    plan.add_argument("--key", action="store_true", help="TARGET is a key, even if it looks like a file name")
    plan.add_argument("--json", action="store_true", help="machine-readable plan")

    command("schema", "print the JSON Schema of rule files (for editor completion)")
    command("coverage", "print which oss2 calls the emulator serves (EMULATOR_COVERAGE.md)")

    compiled = command("compile", "validate rules and write the compiled form the function loads fast")
    compiled.add_argument("rules", type=Path, help="the rule file")
    compiled.add_argument("-o", "--out", type=Path, help="default: <stem>.compiled/ beside the rules")

    from .backfill.arguments import add_commands as add_backfill_commands

    add_backfill_commands(commands)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ossimg`` console script: every failure a user can cause is one line."""
    args = parser().parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "emulator": _emulator,
        "demo": _demo,
        "try": _try,
        "up": _up,
        "build": _ship,
        "deploy": _ship,
        "validate": _rules,
        "explain": _rules,
        "schema": _rules,
        "compile": _rules,
        "coverage": _coverage,
        "failures": _failures,
        "template": _ship,
        "roles": _ship,
        "backfill": _backfill,
        "prune": _backfill,
        "inventory": _backfill,
    }
    return usererrors.run(args.command, lambda: handlers[args.command](args))


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
        return rules_cli.explain(args.rules, args.target, args.bucket, args.json, as_key=args.key)
    return rules_cli.schema()


def _emulator(args: argparse.Namespace) -> int:
    from .emulator.backend import Backend
    from .emulator.faults import FaultRule
    from .emulator.server import serve_forever

    try:
        faults = [FaultRule.parse(spec) for spec in args.fault]
    except ValueError as exc:
        raise usererrors.UsageError(f"--fault: {exc}") from None
    args.data.mkdir(parents=True, exist_ok=True)
    backend = Backend.open(
        args.data,
        args.access_key_id,
        args.access_key_secret,
        region=args.region,
        durable=not args.no_fsync,
        image_memory=args.img_memory << 20,
    )
    backend.faults.reset(faults, seed=args.fault_seed)
    try:
        serve_forever(backend, args.host, args.port)
    except OSError as exc:
        raise usererrors.port_in_use(args.host, args.port) if _in_use(exc) else exc from None
    return 0


def _in_use(exc: OSError) -> bool:
    import errno

    return exc.errno == errno.EADDRINUSE


def _coverage(_: argparse.Namespace) -> int:
    from .coverage import report

    print(report(), end="")
    return 0


def _up(args: argparse.Namespace) -> int:
    from .serve_up import Up
    from .workspace import Workspace

    ws = Workspace.open(args.root, args.rules)
    _template_agrees(ws.root, ws.rules)  # else uploads that no trigger delivers are silently ignored
    if args.instances < 1:
        raise usererrors.UsageError(f"--instances must be at least 1, not {args.instances}")
    Up(
        ws, args.data, args.host, args.port, build=args.build, instances=args.instances, log_format=args.log_format
    ).serve()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import default_events, reset_out, run_demo
    from .workspace import Workspace

    ws = Workspace.open(args.root, args.rules)
    events = [p.resolve() for p in args.event] if args.event else default_events(ws.root)
    for event in events:
        if not event.is_file():
            raise usererrors.UsageError(f"no such event file: {event} (the samples are in {ws.root / 'events'})")
    reset_out(args.out)
    return run_demo(ws, args.out, events, build=args.build, log_format=args.log_format)


def _try(args: argparse.Namespace) -> int:
    from .demo import reset_out
    from .try_photos import photos_to_try, run_try
    from .workspace import Workspace

    ws = Workspace.open(args.root, args.rules)
    photos = photos_to_try(ws, args.photos, args.prefix, args.bucket)
    reset_out(args.out)
    return run_try(ws, photos, args.out, build=args.build, log_format=args.log_format)


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
        raise usererrors.UsageError(str(exc.args[0])) from None
    print(
        f"{len(sent)} event(s) queued for redelivery in {args.dir / 'redrive'}: `ossimg up` invokes each "
        "function with its event again (now if it is running, else when it starts)."
    )
    return 0


def _template_agrees(root: Path, rules: Path) -> None:
    from .deploy.commands import template_problems

    problems = template_problems(root, rules)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        raise usererrors.UsageError(
            f"template.yml does not agree with {rules} (`ossimg template --check`)", usererrors.EXIT_PROBLEMS
        )


def _ship(args: argparse.Namespace) -> int:
    from .deploy import commands
    from .workspace import Workspace

    ws = Workspace.open(args.root, getattr(args, "rules", None))
    args.root, args.rules = ws.root, ws.rules
    run: dict[str, Callable[[argparse.Namespace], int]] = {
        "build": commands.build,
        "deploy": commands.deploy,
        "template": commands.template,
        "roles": commands.roles,
    }
    return run[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
