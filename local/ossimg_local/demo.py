"""``make demo``: the whole product on one machine.

Start the emulator on a free port with a throw-away data directory, create the buckets the template
and rules name, upload a sample image for every key the sample events mention, invoke the
on_upload function with each event as FC would, then read every produced variant back from the
emulator and show its real size and format. Outputs are kept under ``--out``.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import oss2
from PIL import Image, ImageDraw

from .deploy.package import build_function
from .emulator.backend import Backend
from .emulator.engine.codecs import OSS_FORMAT
from .emulator.server import EmulatorServer
from .fc.runner import Invocation
from .fc.template import load_template
from .samples import sample_image
from .up import emulator_runner, needed_buckets

AK, SK = "LTAI-demo-access-key", "demo-secret-not-for-production"
# What the gallery/ rule references in the source bucket: a watermark image and a bucket style.
SOURCE_BUCKET = "ossimg-uploads"
LOGO_KEY = "assets/logo.png"
STYLES = {"ossimg-square": "image/resize,m_fill,w_240,h_240/format,png"}


@dataclass(frozen=True)
class Produced:
    """One variant read back from the emulator."""

    bucket: str
    key: str
    width: int
    height: int
    format: str
    size: int


def run_demo(root: Path, out: Path, events: list[Path], *, build: Path, region: str = "cn-hangzhou") -> int:
    """Build on_upload into ``build``, then run the demo; returns the process exit code (0 when every
    event behaved as expected)."""
    spec = next(s for s in load_template(root / "template.yml") if s.name == "on_upload")
    rules_file = root / "rules" / "example.yaml"
    print(f"Building {spec.name} into {build} …", flush=True)
    code_dir = build_function(root, spec, rules_file, build, local=True)
    with tempfile.TemporaryDirectory(prefix="ossimg-demo-") as data:
        backend = Backend.open(Path(data), AK, SK, region=region, durable=False)
        with EmulatorServer(backend) as server:
            print(f"OSS emulator at {server.endpoint}, data in {data} (deleted at exit)")
            auth = oss2.Auth(AK, SK)
            for name in needed_buckets([spec], rules_file):
                oss2.Bucket(auth, server.endpoint, name).create_bucket()
            _prepare_assets(oss2.Bucket(auth, server.endpoint, SOURCE_BUCKET))
            problems = 0
            produced: list[Produced] = []
            with emulator_runner(backend, server.endpoint, code_dir, spec, rules_file) as runner:
                for path in events:
                    print(f"\n== {path.relative_to(root) if path.is_relative_to(root) else path}", flush=True)
                    raw = path.read_bytes()
                    event = _upload_sources(raw, auth, server.endpoint)
                    result = runner.invoke(event)
                    problems += _check(path, result)
                    produced += _read_back(result, auth, server.endpoint, out)
    _print_table(produced, out)
    print(f"\n{len(events)} event file(s), {len(produced)} variant(s) produced, {problems} unexpected outcome(s).")
    return 1 if problems else 0


def default_events(root: Path) -> list[Path]:
    """Every sample event, good ones first."""
    files = sorted((root / "events").glob("*.json"))
    return [f for f in files if not f.name.startswith("bad-")] + [f for f in files if f.name.startswith("bad-")]


def _prepare_assets(bucket: oss2.Bucket) -> None:
    """The watermark image and bucket styles the example rules use."""
    bucket.put_object(LOGO_KEY, logo())
    for name, content in STYLES.items():
        bucket.put_bucket_style(name, content)


def logo() -> bytes:
    """A small translucent badge to stamp on images."""
    badge = Image.new("RGBA", (240, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(badge)
    draw.rounded_rectangle((0, 0, 239, 119), radius=24, fill=(255, 106, 0, 220))
    draw.text((30, 35), "ossimg", fill=(255, 255, 255, 255), font_size=44)
    out = io.BytesIO()
    badge.save(out, "PNG")
    return out.getvalue()


def _records(doc: Any) -> Iterator[dict[str, Any]]:
    items = doc.get("events", [doc]) if isinstance(doc, dict) else doc if isinstance(doc, list) else []
    for item in items:
        record = item.get("data", item) if isinstance(item, dict) else None
        if isinstance(record, dict) and isinstance(record.get("oss"), dict):
            yield record


def _upload_sources(raw: bytes, auth: oss2.Auth, endpoint: str) -> bytes:
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
        result = oss2.Bucket(auth, endpoint, bucket).put_object(key, data)
        obj["size"] = obj["deltaSize"] = len(data)
        obj["eTag"] = result.etag
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _log_lines(result: Invocation) -> list[dict[str, Any]]:
    lines = []
    for text in result.printed():
        try:
            lines.append(json.loads(text))
        except ValueError:
            continue
    return lines


def _check(path: Path, result: Invocation) -> int:
    lines = _log_lines(result)
    failed = [ln for ln in lines if ln.get("msg") == "variant" and ln.get("status") != "ok"]
    invalid = [ln for ln in lines if ln.get("msg") in ("invalid event", "invalid record")]
    if path.name.startswith("bad-"):
        ok = result.ok and invalid
        print(f"-> rejected as expected: {invalid[0]['error_message']}" if ok else "-> NOT rejected as expected")
        return 0 if ok else 1
    if not result.ok:
        print(f"-> invocation failed: {result.error}", flush=True)
    return int(not result.ok) + len(failed) + len(invalid)


def _read_back(result: Invocation, auth: oss2.Auth, endpoint: str, out: Path) -> list[Produced]:
    produced = []
    for line in _log_lines(result):
        if line.get("msg") != "variant" or line.get("status") != "ok":
            continue
        bucket, key = line["target_bucket"], line["target_key"]
        data = oss2.Bucket(auth, endpoint, bucket).get_object(key).read()
        target = out / bucket / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        produced.append(_describe(bucket, key, data))
    return produced


def _describe(bucket: str, key: str, data: bytes) -> Produced:
    """Size and format of a saved variant (info and average-hue variants save JSON)."""
    if data.startswith(b"{"):
        return Produced(bucket, key, 0, 0, "json", len(data))
    with Image.open(io.BytesIO(data)) as image:
        return Produced(bucket, key, image.width, image.height, OSS_FORMAT.get(image.format or "", "?"), len(data))


def _print_table(produced: list[Produced], out: Path) -> None:
    print(f"\nProduced variants (read back from the emulator; copies in {out}/):")
    width = max([len(f"{p.bucket}/{p.key}") for p in produced] + [6])
    print(f"  {'target':<{width}}  {'size':>11}  {'format':<6}  {'bytes':>8}")
    for p in produced:
        size = f"{p.width}x{p.height}" if p.format != "json" else "-"
        print(f"  {p.bucket + '/' + p.key:<{width}}  {size:>11}  {p.format:<6}  {p.size:>8}")


def reset_out(out: Path) -> None:
    """Empty the output folder so it holds this run's variants only."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
