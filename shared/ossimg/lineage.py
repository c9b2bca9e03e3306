"""Idempotency: what an output records about the source version and the variant that made it.

``sys/saveas`` cannot set metadata, so after it succeeds the function copies the output onto itself
with ``x-oss-metadata-directive: REPLACE`` (one cheap server-side call, no bytes moved) to add:

``x-oss-meta-ossimg-lineage``  ``<source ETag>:<variant digest>``
``x-oss-meta-ossimg-rules``    the rule file version, for people reading the object

The variant digest covers the source bucket and key, the exact chain and the target, so editing one
variant redoes that variant only. A redelivered event finds the lineage already there (one HEAD)
and skips the IMG call. Until the lineage is written the variant counts as not done: a crash between
saveas and the copy costs a repeat of that variant, never a lost one.
"""

from __future__ import annotations

import hashlib

LINEAGE = "ossimg-lineage"
RULES = "ossimg-rules"


def lineage(source_bucket: str, source_key: str, source_etag: str, chain: str, target: str) -> str:
    """The lineage value an up-to-date output carries."""
    material = "\x00".join((source_bucket, source_key, chain, target))
    return f"{source_etag.upper()}:{hashlib.sha256(material.encode('utf-8')).hexdigest()[:20]}"


def is_current(meta: dict[str, str] | None, expected: str) -> bool:
    """Does an output's user metadata show it was made from this source version by this variant?"""
    return meta is not None and meta.get(LINEAGE) == expected
