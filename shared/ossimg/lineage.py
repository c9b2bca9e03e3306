"""Idempotency and provenance: what an output records about the source version and the variant that made it.

``sys/saveas`` cannot set metadata, so after it succeeds the function copies the output onto itself
with ``x-oss-metadata-directive: REPLACE`` (one cheap server-side call, no bytes moved) to add:

``x-oss-meta-ossimg-lineage``  ``<source ETag>:<variant digest>``
``x-oss-meta-ossimg-source``   ``<source bucket>/<source key>``, percent-encoded (header values are ASCII)
``x-oss-meta-ossimg-variant``  ``<rule prefix>#<variant name>``, percent-encoded
``x-oss-meta-ossimg-rules``    the rule file version, for people reading the object

The variant digest covers the source bucket and key, the exact chain and the target, so editing one
variant redoes that variant only. A redelivered event finds the lineage already there (one HEAD)
and skips the IMG call. Until the lineage is written the variant counts as not done: a crash between
saveas and the copy costs a repeat of that variant, never a lost one.

The source is recorded in the clear (the digest cannot be read back) so that deleting a source can
prove which objects it made, and ``ossimg prune`` can find variants whose source or rule is gone.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote, unquote

LINEAGE = "ossimg-lineage"
RULES = "ossimg-rules"
SOURCE = "ossimg-source"
VARIANT = "ossimg-variant"


def lineage(source_bucket: str, source_key: str, source_etag: str, chain: str, target: str) -> str:
    """The lineage value an up-to-date output carries."""
    material = "\x00".join((source_bucket, source_key, chain, target))
    return f"{source_etag.upper()}:{hashlib.sha256(material.encode('utf-8')).hexdigest()[:20]}"


def is_current(meta: dict[str, str] | None, expected: str) -> bool:
    """Does an output's user metadata show it was made from this source version by this variant?"""
    return meta is not None and meta.get(LINEAGE) == expected


def provenance(source_bucket: str, source_key: str, rule: str, variant: str) -> dict[str, str]:
    """The metadata naming where an output came from (added to the lineage record)."""
    return {SOURCE: quote(f"{source_bucket}/{source_key}", safe="/"), VARIANT: quote(f"{rule}#{variant}", safe="/")}


def source_of(meta: dict[str, str] | None) -> tuple[str, str] | None:
    """``(bucket, key)`` of the source an output records, or None when it records none (not ours, or
    made before sources were recorded)."""
    try:
        bucket, slash, key = unquote((meta or {}).get(SOURCE, ""), errors="strict").partition("/")
    except UnicodeDecodeError:  # not a value ossimg wrote
        return None
    return (bucket, key) if bucket and slash and key else None


def variant_of(meta: dict[str, str] | None) -> str:
    """``<rule prefix>#<variant>`` as the output records it ("" when it records none)."""
    return unquote((meta or {}).get(VARIANT, ""), errors="replace")


def made_from(meta: dict[str, str] | None, source_bucket: str, source_key: str) -> bool:
    """Does an output's metadata prove it was made from ``source_bucket/source_key``?"""
    return source_of(meta) == (source_bucket, source_key)
