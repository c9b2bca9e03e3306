"""Claims: one instance makes a variant while duplicate deliveries of the same event wait for it.

FC delivers OSS events at least once, and two deliveries of one event may run at the same time on
two instances (platform-facts §0.2). Lineage alone cannot stop both from making the variant: each
sees "not done yet". So before its IMG call an instance creates a claim object with
``x-oss-forbid-overwrite`` (OSS lets exactly one such PUT succeed); the others wait, then find the
variant up to date. A claim names the source version and variant (the lineage value), so a *newer*
upload of the same key is never held up by an older one's claim.

A claim lives as long as its owner's invocation can (its TTL, kept in the claim); the owner deletes
it when done. A claim older than its TTL, by OSS's own clock (the answer's ``Date`` minus the
claim's ``Last-Modified``), belongs to an instance that died: it is taken over. Two retries racing
for one dead claim may both run the variant: the output is the same either way.
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from .errors import OssCallError
from .lineage import is_current

if TYPE_CHECKING:
    from .pipeline import Execution
    from .plan import VariantPlan

PREFIX = ".ossimg/claims/"
CLAIM = "ossimg-claim"
TTL = "ossimg-claim-ttl"
# Never wait for another instance past this share of what is left of the invocation: leave time to
# make the variant ourselves should the other one give up.
WAIT_SHARE = 0.5


class Outcome(enum.Enum):
    """What trying to claim a variant gave."""

    OWNED = "owned"  # ours to make
    DONE = "done"  # another instance made it while we waited
    BUSY = "busy"  # another instance still holds it: let FC retry the event later


class Claim(NamedTuple):
    """Where a variant's claim lives, and what it says."""

    bucket: str
    key: str
    lineage: str


def claim_for(plan: VariantPlan, expected: str) -> Claim:
    """The claim of ``plan``'s output for one source version: in the target bucket, under PREFIX."""
    digest = hashlib.sha256(f"{plan.target_bucket}/{plan.target_key}\x00{expected}".encode()).hexdigest()
    return Claim(plan.target_bucket, PREFIX + digest[:40], expected)


def is_claim_key(key: str) -> bool:
    """Is ``key`` one of ossimg's own claim records (never an upload to process)?"""
    return key.startswith(PREFIX)


def acquire(
    ex: Execution, plan: VariantPlan, claim: Claim, attempts: list[int], sleep: Callable[[float], None] = time.sleep
) -> Outcome:
    """Take ``claim``, waiting while a live one is held elsewhere. Raises OssCallError."""
    meta = {CLAIM: claim.lineage, TTL: f"{max(1.0, ex.deadline.remaining()):.0f}"}
    give_up = ex.deadline.remaining() * (1 - WAIT_SHARE)
    pause = 0.05
    while True:
        if ex.call(lambda: ex.client.put_marker(claim.bucket, claim.key, meta, exclusive=True), attempts):
            return _owned_unless_done(ex, plan, claim, attempts)
        held = ex.call(lambda: ex.client.stat(claim.bucket, claim.key), attempts)
        if held is not None and held.age > float(held.meta.get(TTL, "0") or 0):
            # Its owner can no longer be running: take it over.
            ex.call(lambda: ex.client.put_marker(claim.bucket, claim.key, meta, exclusive=False), attempts)
            return _owned_unless_done(ex, plan, claim, attempts)
        if ex.deadline.remaining() - pause < give_up:
            return Outcome.BUSY
        sleep(pause)
        pause = min(pause * 2, 1.0)


def _owned_unless_done(ex: Execution, plan: VariantPlan, claim: Claim, attempts: list[int]) -> Outcome:
    """Ours now, unless the instance that held the claim before us made the variant: an owner
    records the lineage before it deletes its claim, so once we hold the claim, the lineage shows it."""
    try:
        done = ex.call(lambda: ex.client.user_meta(plan.target_bucket, plan.target_key), attempts)
    except OssCallError:
        return Outcome.OWNED  # unknown: make it; raising here would leave our claim behind, unreleased
    if is_current(done, claim.lineage):
        release(ex, claim)
        return Outcome.DONE
    return Outcome.OWNED


def release(ex: Execution, claim: Claim) -> str:
    """Delete our claim; returns the error code if that failed (the claim then expires on its own)."""
    try:
        ex.call(lambda: ex.client.delete_object(claim.bucket, claim.key), [0])
    except OssCallError as exc:
        return exc.code
    return ""
