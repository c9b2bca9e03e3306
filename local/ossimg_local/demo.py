"""``make demo`` (and ``make invoke``): the whole product on one machine.

Build on_upload, start the emulator on a free port with a throw-away data folder, create the buckets
the template and rules name, upload a sample image for every key the sample events mention, invoke
the function with each event as FC would, then read every source and variant back from the emulator:
a table of their real sizes and formats, and the gallery page ``<out>/index.html`` beside copies of
them all.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .assets import LOGO_KEY, STYLES, logo
from .fc.runner import Invocation
from .gallery.model import Picture, SourceView
from .gallery.page import write_site
from .logview import human_size, records
from .samples import sample_image
from .sandbox import Sandbox
from .usererrors import EXIT_PROBLEMS, UsageError
from .workspace import Workspace

# What the demo seeds besides uploads, for the tests that seed the same (they lived here before assets.py).
__all__ = ["LOGO_KEY", "STYLES", "default_events", "logo", "print_table", "reset_out", "run_demo"]


def run_demo(ws: Workspace, out: Path, events: list[Path], *, build: Path, log_format: str = "human") -> int:
    """Run the events; returns the exit code (0 when every event behaved as expected)."""
    problems = 0
    shown: dict[tuple[str, str], SourceView] = {}
    produced: list[Picture] = []
    with Sandbox(ws.spec, ws.root, ws.rules, build, log_format=log_format) as sandbox:
        for path in events:
            print(f"\n== {ws.show(path)}", flush=True)
            result = sandbox.invoke(_upload_sources(path.read_bytes(), sandbox))
            problems += _check(path, result)
            for source in sandbox.sources(result):
                shown[(source.bucket, source.key)] = source
                produced += [v.picture for v in source.variants if v.status == "ok" and v.picture]
        page = write_site(out, list(shown.values()), sandbox.read, f"ossimg demo: {len(events)} sample event(s)")
    print_table(produced, out)
    print(f"\n{len(events)} event file(s), {len(produced)} variant(s) produced, {problems} unexpected outcome(s).")
    print(f"Gallery: {page} (open it in a browser)")
    return EXIT_PROBLEMS if problems else 0


def default_events(root: Path) -> list[Path]:
    """Every sample event, good ones first."""
    files = sorted((root / "events").glob("*.json"))
    return [f for f in files if not f.name.startswith("bad-")] + [f for f in files if f.name.startswith("bad-")]


def _records(doc: Any) -> Iterator[dict[str, Any]]:
    items = doc.get("events", [doc]) if isinstance(doc, dict) else doc if isinstance(doc, list) else []
    for item in items:
        record = item.get("data", item) if isinstance(item, dict) else None
        if isinstance(record, dict) and isinstance(record.get("oss"), dict):
            yield record


def _upload_sources(raw: bytes, sandbox: Sandbox) -> bytes:
    """Upload a sample image for each record and give the event the real size and ETag, as OSS would."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return raw
    for record in _records(doc):
        bucket, obj = record["oss"].get("bucket", {}).get("name"), record["oss"].get("object", {})
        key = obj.get("key")
        if not bucket or not key:
            continue
        data = sample_image(key)
        obj["eTag"] = sandbox.put(bucket, key, data)
        obj["size"] = obj["deltaSize"] = len(data)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _check(path: Path, result: Invocation) -> int:
    lines = records(result.printed())
    failed = [ln for ln in lines if ln.get("msg") == "variant" and ln.get("status") != "ok"]
    invalid = [ln for ln in lines if ln.get("msg") in ("invalid event", "invalid record")]
    if path.name.startswith("bad-"):
        ok = result.ok and invalid
        print(f"-> rejected as expected: {invalid[0]['error_message']}" if ok else "-> NOT rejected as expected")
        return 0 if ok else 1
    return int(not result.ok) + len(failed) + len(invalid)


def print_table(produced: list[Picture], out: Path) -> None:
    """Each variant's target, real size, format and bytes."""
    print(f"\nProduced variants (read back from the emulator; copies in {out}/):")
    width = max([len(f"{p.bucket}/{p.key}") for p in produced] + [6])
    print(f"  {'target':<{width}}  {'size':>11}  {'format':<6}  {'bytes':>8}")
    for p in produced:
        size = f"{p.width}x{p.height}" if p.format != "json" else "-"
        print(f"  {p.bucket + '/' + p.key:<{width}}  {size:>11}  {p.format:<6}  {p.size:>8}  {human_size(p.size):>8}")


def reset_out(out: Path) -> None:
    """Empty the output folder so it holds this run's files only. A folder that holds the current one,
    the home folder or a repository is refused rather than emptied (``--out .`` is a slip, not a wish)."""
    if out.exists():
        where = out.resolve()
        if (
            not where.is_dir()
            or Path.cwd().is_relative_to(where)
            or where == Path.home()
            or any((where / name).exists() for name in (".git", "template.yml", "pyproject.toml"))
        ):
            raise UsageError(f"{out} is not an output folder ossimg may empty: choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
