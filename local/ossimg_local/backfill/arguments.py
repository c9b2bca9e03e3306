"""The command-line arguments of ``ossimg backfill``, ``ossimg prune`` and ``ossimg inventory`` (argparse
only, so the CLI stays fast to start; the commands live in ``commands.py``)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from ..usererrors import UsageError

LOCAL_ENDPOINT = "http://127.0.0.1:9000"  # the local cloud (`make up`)

# Bounds that would otherwise spin (--in-flight 0 never has room), divide by zero (--rate 0) or make a
# pool of no threads: (dest, the option as typed). Counts are at least 1; rates and times above 0.
COUNTS = (("batch", "--batch"), ("workers", "--workers"), ("in_flight", "--in-flight"), ("rows", "--rows"))
POSITIVE = (("rate", "--rate"), ("poll", "--poll"), ("timeout", "--timeout"))


def add_commands(commands: Any) -> None:
    """Add the three commands to ``ossimg``'s subparsers."""
    fill = commands.add_parser("backfill", help="make the variants of objects already stored, as the function would")
    where = fill.add_argument_group("which objects")
    where.add_argument("--bucket", help="list this bucket (with --prefix, --since, --until)")
    where.add_argument("--prefix", default="", help="only keys under this prefix")
    where.add_argument("--since", help="only objects last modified at or after this UTC time (2024-05-01[T08:00:00Z])")
    where.add_argument("--until", help="only objects last modified before this UTC time")
    where.add_argument(
        "--inventory",
        metavar="oss://BUCKET/…/manifest.json",
        help="read the keys from an OSS bucket inventory instead of listing (millions of objects)",
    )
    where.add_argument(
        "--redrive",
        type=Path,
        metavar="FAILURES",
        help="send again the objects of a failures file an earlier run wrote",
    )
    fill.add_argument(
        "--dry-run",
        action="store_true",
        help="write nothing: per rule and variant, matches, up to date and IMG calls a run would make",
    )
    fill.add_argument(
        "--via",
        choices=["local", "fc"],
        default="local",
        help="local: the function's code on worker threads here; fc: the deployed function, "
        "invoked asynchronously (FC scales it)",
    )
    fill.add_argument("--batch", type=int, default=16, help="objects per invocation (at most 128 KB of event)")
    fill.add_argument("--checkpoint", type=Path, help="where an interrupted run resumes (default .ossimg-backfill/…)")
    fill.add_argument("--failures", type=Path, help="where failed objects are written (default beside the checkpoint)")
    fill.add_argument("--no-progress", action="store_true", help="no progress line, even on a terminal")
    fill.add_argument("--json", action="store_true", help="the summary (or the dry run's report) as JSON")
    _common(fill, workers=4)
    local = fill.add_argument_group("--via local")
    local.add_argument("--timeout", type=float, default=60.0, help="seconds per invocation, as the function's Timeout")
    local.add_argument("--log", type=Path, help="append the function's JSON log lines here")
    remote = fill.add_argument_group("--via fc")
    remote.add_argument("--fc-endpoint", help="e.g. https://<account>.cn-hangzhou.fc.aliyuncs.com")
    remote.add_argument("--service", default="ossimg")
    remote.add_argument("--function", default="on_upload")
    remote.add_argument("--qualifier", default="", help="a version or alias of the service")
    remote.add_argument("--in-flight", type=int, default=64, help="asynchronous tasks unsettled at once, at most")
    remote.add_argument("--rate", type=float, default=20.0, help="invocations per second, at most")
    remote.add_argument("--poll", type=float, default=1.0, help="seconds between two looks at one task's state")
    remote.add_argument("--fc-access-key-id", help="default: the OSS key")
    remote.add_argument("--fc-access-key-secret")

    cut = commands.add_parser("prune", help="find (and delete) variants whose source is gone or no rule makes")
    cut.add_argument("--bucket", help="the bucket the variants are in")
    cut.add_argument("--prefix", default="", help="only keys under this prefix")
    cut.add_argument("--inventory", metavar="oss://BUCKET/…/manifest.json", help="read the keys from an inventory")
    cut.add_argument("--dry-run", action="store_true", help="list the orphans, delete nothing")
    cut.add_argument("--json", action="store_true", help="the report as JSON")
    _common(cut, workers=8)

    inv = commands.add_parser("inventory", help="write an OSS-format inventory of a bucket (manifest.json, CSV.gz)")
    inv.add_argument("--bucket", required=True, help="the bucket to list")
    inv.add_argument("--dest", required=True, metavar="oss://BUCKET[/PREFIX]", help="where the inventory is written")
    inv.add_argument("--id", default="ossimg", help="the inventory's name (a folder of the layout)")
    inv.add_argument("--rows", type=int, default=100_000, help="rows per CSV.gz file")
    _keys(inv)


def _common(parser: argparse.ArgumentParser, *, workers: int) -> None:
    parser.add_argument("--rules", default="rules/example.yaml", help="rule file (YAML) or oss://bucket/key")
    parser.add_argument("--workers", type=int, default=workers, help="threads at work at once")
    _keys(parser)


def _keys(parser: argparse.ArgumentParser) -> None:
    oss = parser.add_argument_group("OSS")
    oss.add_argument(
        "--endpoint", default=LOCAL_ENDPOINT, help=f"OSS endpoint (default: the local cloud, {LOCAL_ENDPOINT})"
    )
    oss.add_argument("--region", default="cn-hangzhou")
    oss.add_argument("--access-key-id", help="default: ALIBABA_CLOUD_ACCESS_KEY_ID, else the local cloud's key")
    oss.add_argument("--access-key-secret", help="default: ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    oss.add_argument("--security-token", help="default: ALIBABA_CLOUD_SECURITY_TOKEN (STS keys)")


def check_bounds(args: argparse.Namespace) -> None:
    """Refuse a count under 1 or a rate or time that is not above 0, naming the option. Raises UsageError."""
    for dest, option in COUNTS:
        value = getattr(args, dest, None)
        if value is not None and value < 1:
            raise UsageError(f"{option} must be at least 1, not {value}")
    for dest, option in POSITIVE:
        value = getattr(args, dest, None)
        if value is not None and not (math.isfinite(value) and value > 0):
            raise UsageError(f"{option} must be above 0, not {value}")
