"""``ossimg backfill``, ``ossimg prune`` and ``ossimg inventory``: arguments in, a run, a summary out.

Exit codes (``ossimg_local.usererrors``): 0 done; 1 some objects failed (they are in the failures
file), prune could not judge or delete some, or the rules are invalid; 2 the run could not start as
asked (arguments, keys, a checkpoint of another run, an unreadable inventory, a function whose
asynchronous tasks FC does not track); 130 interrupted, with the checkpoint saved.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ossimg.oss import Oss2Client
from ossimg.rules.compiled import RuleIndex
from ossimg.settings import Credentials

from ..usererrors import EXIT_INTERRUPTED, UsageError
from .arguments import check_bounds
from .checkpoint import Checkpoint, CheckpointError
from .dispatch import Dispatcher, DispatchError, LocalDispatcher
from .failures import FailedEvents, FailureLog
from .inventory import Inventory, InventoryError, split_url
from .objects import Listing, Source, Window, parse_time
from .progress import Progress, summary_lines

LOCAL_KEY = ("LTAI-local", "local-secret")  # the local cloud's account key (`ossimg up`)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
STATE = Path(".ossimg-backfill")


def main(args: argparse.Namespace) -> int:
    """Run ``args.command``. Raises UsageError (and lets invalid rules and OSS's refusals through)."""
    check_bounds(args)
    try:
        if args.command == "inventory":
            return _inventory(args)
        client = _client(args, pool=max(16, args.workers * 4))
        rules = _rules(args.rules, client)
        source = _source(args, client)
        if args.command == "prune":
            return _prune(args, rules, client, source)
        if args.dry_run:
            return _survey(args, rules, client, source)
        return _backfill(args, rules, client, source)
    except (CheckpointError, InventoryError) as exc:
        raise UsageError(str(exc)) from None


def _credentials(args: argparse.Namespace) -> Credentials:
    env = os.environ
    key_id = args.access_key_id or env.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
    secret = args.access_key_secret or env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if not key_id and urlparse(args.endpoint).hostname in LOOPBACK:  # the local cloud, on this machine
        key_id, secret = LOCAL_KEY
    if not key_id or not secret:
        raise UsageError("no OSS key: pass --access-key-id and --access-key-secret, or set ALIBABA_CLOUD_ACCESS_KEY_*")
    return Credentials(key_id, secret, args.security_token or env.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None)


def _client(args: argparse.Namespace, pool: int) -> Oss2Client:
    return Oss2Client(args.endpoint, args.region, _credentials(args), pool_size=pool)


def _rules(location: str, client: Oss2Client) -> RuleIndex:
    from ossimg.rules.load import load_rules, parse_rules

    if location.startswith("oss://"):
        bucket, key = split_url(location)
        return parse_rules(client.get_object(bucket, key)[0], source=location)
    return load_rules(location)


def _source(args: argparse.Namespace, client: Oss2Client) -> Source:
    chosen = [name for name in ("bucket", "inventory", "redrive") if getattr(args, name, None)]
    if len(chosen) != 1:
        raise UsageError(
            "name the objects with exactly one of --bucket, --inventory"
            + (" or --redrive" if args.command == "backfill" else "")
        )
    if args.bucket:
        return Listing(client.bucket(args.bucket), args.prefix)
    if args.inventory:
        return Inventory(client.bucket, args.inventory)
    return FailedEvents(args.redrive)


def _window(args: argparse.Namespace) -> Window:
    try:
        return Window(parse_time(args.since) if args.since else None, parse_time(args.until) if args.until else None)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _survey(args: argparse.Namespace, rules: RuleIndex, client: Oss2Client, source: Source) -> int:
    from .survey import survey

    progress = Progress(sys.stderr, enabled=_tty(args))
    found = survey(
        source,
        rules,
        client,
        region=args.region,
        window=_window(args),
        workers=args.workers,
        progress=lambda s: progress.update(s.counts, source.fraction()),
    )
    progress.close()
    print(json.dumps(found.to_doc(), indent=2) if args.json else "\n".join(found.lines()))
    return 0


def _backfill(args: argparse.Namespace, rules: RuleIndex, client: Oss2Client, source: Source) -> int:
    with contextlib.ExitStack() as stack:
        if args.via == "fc":
            from ..deploy.fcclient import quiet

            stack.enter_context(quiet())
        return _fill(args, rules, client, source)


def _fill(args: argparse.Namespace, rules: RuleIndex, client: Oss2Client, source: Source) -> int:
    from .run import Backfill

    window = _window(args)
    run = {"source": source.describe(), "since": window.since, "until": window.until}
    checkpoint_path = args.checkpoint or STATE / f"{_slug(source.describe())}.checkpoint.json"
    checkpoint = Checkpoint.open(checkpoint_path, run)
    failures = FailureLog(
        args.failures
        or checkpoint_path.with_name(checkpoint_path.name.replace(".checkpoint.json", "") + ".failures.jsonl")
    )
    dispatcher = _dispatcher(args, rules, client)
    progress = Progress(sys.stderr, enabled=_tty(args))
    if checkpoint.resumed:
        print(f"resuming from {checkpoint_path} ({len(checkpoint.pending)} batch(es) in flight)", file=sys.stderr)
    try:
        counts = Backfill(
            source, rules, dispatcher, checkpoint, failures, progress, args.region, args.batch, window
        ).run()
    except DispatchError as exc:
        progress.close()
        raise UsageError(f"{exc}; the checkpoint {checkpoint_path} holds where it stopped") from None
    except KeyboardInterrupt:
        progress.close()
        print(
            f"ossimg backfill: interrupted; the checkpoint {checkpoint_path} holds where it stopped: run the "
            "same command to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    finally:
        dispatcher.close()
    progress.close()
    rate = progress.rate(counts)
    if args.json:
        print(
            json.dumps(
                {
                    **counts.to_doc(),
                    "seconds": round(progress.elapsed, 2),
                    "failures_file": str(failures.path) if failures.written else None,
                }
            )
        )
    else:
        print("\n".join(summary_lines(counts, progress.elapsed, rate)))
        if failures.written:
            print(
                f"{failures.written} failure(s) written to {failures.path}: `ossimg backfill --redrive "
                f"{failures.path}` sends them again"
            )
    return 1 if counts.failed else 0


def _dispatcher(args: argparse.Namespace, rules: RuleIndex, client: Oss2Client) -> Dispatcher:
    if args.via == "local":
        log = open(args.log, "a", encoding="utf-8") if args.log else None  # noqa: SIM115 (kept for the run)
        return LocalDispatcher(rules, client, workers=args.workers, timeout=args.timeout, log=log)
    from ..deploy.fcclient import DeployError
    from ..deploy.fcclient import client as fc_client
    from .fc_dispatch import FcDispatcher

    if not args.fc_endpoint:
        raise UsageError("--via fc needs --fc-endpoint (https://<account>.<region>.fc.aliyuncs.com)")
    creds = _credentials(args)
    if args.fc_access_key_id:  # a key of its own for FC
        creds = Credentials(args.fc_access_key_id, args.fc_access_key_secret or "")
    try:  # fc_client() checks something answers first: fc2 retries a refused connection for half a minute
        fc = fc_client(args.fc_endpoint, creds.access_key_id, creds.access_key_secret, creds.security_token or "")
    except DeployError:
        raise UsageError(
            f"cannot reach FC at {args.fc_endpoint}: nothing answers there; check --fc-endpoint, which is "
            "https://<account id>.<region>.fc.aliyuncs.com"
        ) from None
    dispatcher = FcDispatcher(
        fc,
        args.service,
        args.function,
        qualifier=args.qualifier,
        in_flight=args.in_flight,
        rate=args.rate,
        poll=args.poll,
    )
    try:
        dispatcher.check()
    except DispatchError as exc:
        raise UsageError(str(exc)) from None
    return dispatcher


def _prune(args: argparse.Namespace, rules: RuleIndex, client: Oss2Client, source: Source) -> int:
    from .prune import ORPHAN, Verdict, prune

    def shown(verdict: Verdict) -> None:
        if verdict.kind == ORPHAN and not args.json:
            done = "removed" if verdict.removed else "orphan"
            print(f"{done} {verdict.bucket}/{verdict.key}: {verdict.reason}")

    report = prune(source, rules, client, region=args.region, dry_run=args.dry_run, workers=args.workers, shown=shown)
    if args.json:
        print(json.dumps(report.to_doc(), indent=2, ensure_ascii=False))
    else:
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(report.counts.items()))
        print(
            f"{kinds or 'no objects'}; {len(report.orphans):,} orphan(s)"
            + ("" if args.dry_run else f", {report.removed:,} removed")
        )
    return 1 if report.counts.get("failed") else 0


def _inventory(args: argparse.Namespace) -> int:
    from .inventory_writer import write_inventory

    client = _client(args, pool=4)
    bucket, _, prefix = args.dest.removeprefix("oss://").partition("/")
    if not args.dest.startswith("oss://") or not bucket:
        raise UsageError(f"--dest {args.dest!r}: expected oss://bucket[/prefix]")
    url = write_inventory(
        client.bucket(args.bucket), client.bucket(bucket), prefix=prefix, inventory_id=args.id, rows_per_file=args.rows
    )
    print(url)
    return 0


def _tty(args: argparse.Namespace) -> bool:
    return not args.no_progress and sys.stderr.isatty() if hasattr(args, "no_progress") else sys.stderr.isatty()


def _slug(described: dict[str, Any]) -> str:
    """A file name for a run's state: readable, and unique per source."""
    text = "-".join(str(v) for k, v in described.items() if k != "kind" and v)
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60]
    digest = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:8]
    return f"{described['kind']}-{readable}-{digest}"
