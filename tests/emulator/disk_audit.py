"""What an emulator's data directory holds that nothing refers to, read from the files themselves."""

from __future__ import annotations

import json
from pathlib import Path


def leftovers(root: Path) -> dict[str, set[str]]:
    """Blobs no object or part refers to, blobs referred to but missing, and files left in ``tmp/``:
    all empty when nothing leaked."""
    blobs = {p.name for p in (root / "blobs").glob("*/*")}
    docs = [*root.glob("buckets/*/objects/*.json"), *root.glob("buckets/*/uploads/*/part-*.json")]
    referenced = {json.loads(p.read_text(encoding="utf-8"))["blob"] for p in docs}
    return {"unreferenced blobs": blobs - referenced, "missing blobs": referenced - blobs,
            "tmp": {p.name for p in (root / "tmp").iterdir()}}  # fmt: skip


CLEAN: dict[str, set[str]] = {"unreferenced blobs": set(), "missing blobs": set(), "tmp": set()}
