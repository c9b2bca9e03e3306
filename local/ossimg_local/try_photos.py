"""``ossimg try PHOTO…``: your own photos through the rules, the emulator and the function.

Each photo is uploaded to the emulator under a key (``--prefix`` and its file name, or ``PHOTO=KEY``),
the function is invoked with the event OSS would send for it, and its variants are read back: a table
of them, and the gallery page ``<out>/index.html``. A photo that no rule matches is not sent: the
rules' own explanation (``ossimg explain``'s words) says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ossimg.decide import decide
from ossimg.events import ObjectEvent, ParsedEvent
from ossimg.explain import explain_event, render_text

from .emulator.notify import event_json
from .gallery.model import SourceView, describe
from .gallery.page import write_site
from .logview import human_size, label
from .sandbox import Sandbox
from .usererrors import EXIT_PROBLEMS, UsageError
from .workspace import Workspace

UPLOAD = "ObjectCreated:PutObject"


@dataclass(frozen=True)
class Photo:
    """A local file and the object it becomes."""

    path: Path
    bucket: str
    key: str


def photos_to_try(ws: Workspace, given: list[str], prefix: str | None, bucket: str | None) -> list[Photo]:
    """``PATH`` or ``PATH=KEY`` arguments as photos. Raises UsageError for a file that is not there."""
    rules = ws.compiled.rules
    prefix = prefix if prefix is not None else (rules[0].prefix if rules else "")
    photos = []
    for item in given:
        path_text, _, key = item.partition("=") if "=" in item and not Path(item).exists() else (item, "", "")
        path = Path(path_text)
        if not path.is_file():
            raise UsageError(f"no such photo: {path}")
        key = key or prefix + path.name
        photos.append(Photo(path, bucket or _bucket_for(ws, key), key))
    return photos


def _bucket_for(ws: Workspace, key: str) -> str:
    """The bucket a rule for ``key`` filters on, else the bucket an OSS trigger of the key's prefix watches."""
    for rule in ws.compiled.candidates(key):
        if rule.bucket:
            return rule.bucket
    triggers = [t for s in ws.specs for t in s.triggers]
    for trigger in triggers:
        if key.startswith(trigger.prefix):
            return trigger.bucket
    if triggers:
        return triggers[0].bucket
    raise UsageError(f"no rule nor trigger names a bucket for {key}: say which with --bucket")


Row = tuple[str, str, str, str, str, str]


def run_try(ws: Workspace, photos: list[Photo], out: Path, *, build: Path, log_format: str = "human") -> int:
    """Run every photo; returns the exit code (1 when a photo made nothing or a variant failed)."""
    shown: list[SourceView] = []
    with Sandbox(ws.spec, ws.root, ws.rules, build, log_format=log_format) as sandbox:
        for photo in photos:
            print(f"\n== {photo.path} -> {photo.bucket}/{photo.key}", flush=True)
            sandbox.put(photo.bucket, photo.key, photo.path.read_bytes())
            shown += _unmatched(ws, photo, sandbox) or _invoke(photo, sandbox)
        page = write_site(out, shown, sandbox.read, f"ossimg try: {len(photos)} photo(s) through {ws.show(ws.rules)}")
    rows = [row for source in shown for row in _rows(source)]
    _print_rows(rows)
    print(f"\nGallery: {page} (open it in a browser); copies of every source and variant in {out}/")
    return EXIT_PROBLEMS if any(r[2] not in ("ok", "up-to-date") for r in rows) else 0


def _unmatched(ws: Workspace, photo: Photo, sandbox: Sandbox) -> list[SourceView]:
    """When no rule would make anything of the photo: explain's words, and the photo alone."""
    record = ObjectEvent(UPLOAD, photo.bucket, photo.key)
    decision = decide(record, ws.compiled)
    if decision.plans:
        return []
    text = render_text(explain_event(ParsedEvent([record]), ws.compiled))
    print("\n".join("  " + line for line in text.splitlines() if line), flush=True)
    data = sandbox.read(photo.bucket, photo.key) or b""
    why = decision.skip or "no rule matches the key"
    return [SourceView(photo.bucket, photo.key, describe(photo.bucket, photo.key, data), skipped=why)]


def _invoke(photo: Photo, sandbox: Sandbox) -> list[SourceView]:
    """The function run on the event OSS sends for the upload."""
    assert sandbox.backend is not None
    store = sandbox.backend.store
    result = sandbox.invoke(
        event_json(UPLOAD, store.get_bucket_info(photo.bucket), store.head_object(photo.bucket, photo.key))
    )
    sources = sandbox.sources(result)
    if not result.ok and not sources:
        return [SourceView(photo.bucket, photo.key, skipped=f"the invocation failed: {result.error}")]
    return sources


def _rows(source: SourceView) -> list[Row]:
    name = f"{source.bucket}/{source.key}"
    if source.skipped or not source.variants:
        return [(name, "-", "skipped", "", "", source.skipped)]
    rows = []
    for v in source.variants:
        pic = v.picture
        size = f"{pic.width}x{pic.height}" if pic and not pic.text else "-"
        fmt = f"{pic.format} {human_size(pic.size)}" if pic else ""
        rows.append(
            (name, label(v.rule, v.variant), v.status, size, fmt, v.error or f"{v.target_bucket}/{v.target_key}")
        )
    return rows


def _print_rows(rows: list[Row]) -> None:
    head = ("source", "variant", "status", "size", "format", "target or reason")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    print()
    for row in [head, *rows]:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths, strict=True)) + "  " + row[5])
