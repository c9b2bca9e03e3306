"""The deployment commands behind ``ossimg build``, ``template``, ``roles`` and ``deploy``: each prints
what it did; a failure is a UsageError, which the command line prints as one line (``ossimg deploy:
…``) with its exit code: 1 for a problem found (FC refused, the template disagrees), 2 for a usage
mistake (no keys)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from ossimg.rules.load import load_rules

from ..fc.template import FunctionSpec, load_template
from ..usererrors import EXIT_PROBLEMS, EXIT_USAGE, UsageError
from .check import check_files, render
from .fcclient import DeployError
from .needs import NeedsError
from .package import BuildError, build_function, describe
from .plan import PlanError, Target
from .roles import report

OK = 0


def _fail(message: str, code: int = EXIT_PROBLEMS) -> NoReturn:
    raise UsageError(message, code)


def _specs(root: Path) -> list[FunctionSpec]:
    return load_template(root / "template.yml")


def template_problems(root: Path, rules: Path) -> list[str]:
    """What ``ossimg template --check`` reports for the template at ``root`` and ``rules``."""
    try:
        return check_files(_specs(root), rules)
    except NeedsError as exc:
        return [f"{rules}: {exc}"]


def template(args: argparse.Namespace) -> int:
    """``ossimg template [--check]``: print what the rules need, or compare it with template.yml."""
    if args.check:
        problems = template_problems(args.root, args.rules)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            _fail(
                f"{len(problems)} difference(s) between template.yml and {args.rules}: "
                "`ossimg template` prints what the rules need"
            )
        print(
            f"template.yml agrees with {args.rules}: every rule's uploads have a trigger, the role allows "
            "what the function does and nothing more"
        )
        return OK
    rules = load_rules(args.rules)
    try:
        for spec in _specs(args.root):
            print(render(spec, rules), end="")
    except NeedsError as exc:
        _fail(f"{args.rules}: {exc}")
    return OK


def roles(args: argparse.Namespace) -> int:
    """``ossimg roles``: the RAM roles and the deploying user's policy."""
    try:
        print(report(_specs(args.root), load_rules(args.rules), args.region, args.account_id, args.user), end="")
    except NeedsError as exc:
        _fail(f"{args.rules}: {exc}")
    return OK


def build(args: argparse.Namespace) -> int:
    """``ossimg build``: check the template against the rules, then build each function."""
    problems = template_problems(args.root, args.rules)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        _fail(f"template.yml does not agree with {args.rules} (`ossimg template --check`)")
    for spec in _specs(args.root):
        try:
            folder = build_function(args.root, spec, args.rules, args.out, deps=not args.no_deps)
        except BuildError as exc:
            _fail(f"{spec.name}: {exc}")
        print(describe(folder))
    return OK


def deploy(args: argparse.Namespace) -> int:
    """``ossimg deploy [--plan] [--keep-orphans]``."""
    from . import fcclient
    from .apply import deploy as apply_plan
    from .apply import prepare

    key_id, secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID"), os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if not key_id or not secret:
        _fail("set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET", EXIT_USAGE)
    target = Target(args.region, args.account_id, args.role, args.invocation_role)
    try:
        client = fcclient.client(args.endpoint, key_id, secret, os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN", ""))
        deployment = prepare(client, _specs(args.root), args.build, target, keep_orphans=args.keep_orphans)
        if args.plan:
            for change in deployment.changes:
                print(change.line())
            print(
                f"{len(deployment.changes)} change(s) planned; `ossimg deploy` without --plan applies them"
                if deployment.changes
                else "FC already matches template.yml: nothing to do"
            )
            return OK
        for line in apply_plan(deployment):
            print(line)
    except DeployError as exc:
        _fail(str(exc), EXIT_USAGE if exc.usage else EXIT_PROBLEMS)
    except PlanError as exc:
        _fail(str(exc))
    print(f"deployed: {len(deployment.changes)} change(s)" if deployment.changes else "FC already matches template.yml")
    return OK
