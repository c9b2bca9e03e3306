"""Claims: one instance makes an upload's variants while duplicate deliveries of the same event wait.

FC delivers OSS events at least once, and two deliveries of one event may run at the same time on
two instances (platform-facts §0.2). Lineage alone cannot stop both from making the variants: each
sees "not done yet". So before it looks at any variant, an instance creates one claim object for the
source version with ``x-oss-forbid-overwrite`` (OSS lets exactly one such PUT succeed); the others
wait for it to go. Claiming *before* looking closes the race: an owner records every lineage before
it deletes its claim, so whoever holds the claim next sees everything an earlier owner made, and
skips it. A claim names the source version (its ETag), so a *newer* upload of the same key is never
held up by an older one's claim.

One claim covers all of an upload's variants: two requests per upload (create, delete) instead of
three per variant (create, look again, delete), which is most of what a first delivery costs beyond
its IMG calls. It lives beside the source, in the source's bucket, so that every delivery finds it
in the same place whatever rules matched (a trigger's event carries the uploader's content type, a
backfill's record does not) and whichever variants could be planned.

A claim lives as long as its owner's invocation can (its TTL, kept in the claim): until FC ends
that invocation, not just until the function's own earlier deadline, since a call made before the
deadline may still be running after it. The owner deletes it when done. A claim older than its TTL,
by OSS's own clock (the answer's ``Date`` minus the claim's ``Last-Modified``), belongs to an
instance that died: it is taken over. Two retries racing for one dead claim may both make a
variant: the output is the same either way. Each claim carries its taker's token, so a claim whose
creation was retried after its answer was lost is known as ours.
"""

from __future__ import annotations

import enum
import hashlib
import math
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

from .errors import OssCallError

if TYPE_CHECKING:
    from .pipeline import Execution

PREFIX = ".ossimg/claims/"
CLAIM = "ossimg-claim"
TTL = "ossimg-claim-ttl"
OWNER = "ossimg-claim-owner"
# Never wait for another instance past this share of what is left of the invocation: leave time to
# make the variants ourselves should the other one give up.
WAIT_SHARE = 0.5


class Outcome(enum.Enum):
    """What trying to claim an upload's variants gave."""

    OWNED = "owned"  # ours: look at the variants, make what is not done, then release
    BUSY = "busy"  # another instance still holds it: let FC retry the event later


class Claim(NamedTuple):
    """Where a claim lives, and the source version it names."""

    bucket: str
    key: str
    source: str  # ``<bucket>/<key>`` percent-encoded (header values are ASCII), ``:``, the ETag


def claim_for(source_bucket: str, source_key: str, etag: str) -> Claim:
    """The claim on making the variants of ``source_bucket/source_key`` at version ``etag``."""
    source = f"{quote(f'{source_bucket}/{source_key}', safe='/')}:{etag.upper()}"
    digest = hashlib.sha256(source.encode("ascii")).hexdigest()
    return Claim(source_bucket, PREFIX + digest[:40], source)


def is_claim_key(key: str) -> bool:
    """Is ``key`` one of ossimg's own claim records (never an upload to process)?"""
    return key.startswith(PREFIX)


def new_token() -> str:
    """A taker's token: what its claim carries, so that a PUT of ours retried after a lost answer is
    known as ours (by this taker's later tries too)."""
    return os.urandom(8).hex()


def acquire(
    ex: Execution,
    claim: Claim,
    attempts: list[int],
    sleep: Callable[[float], None] = time.sleep,
    *,
    token: str = "",
    patient: bool = True,
) -> Outcome:
    """Take ``claim``, waiting while a live one is held elsewhere (unless not ``patient``: then BUSY at
    once, for a later patient try with the same ``token``). Raises OssCallError."""
    token = token or new_token()
    meta = {CLAIM: claim.source, TTL: str(_lifetime(ex)), OWNER: token}
    give_up = ex.deadline.remaining() * (1 - WAIT_SHARE)
    pause = 0.05
    while True:
        if ex.call(lambda: ex.client.put_marker(claim.bucket, claim.key, meta, exclusive=True), attempts):
            return Outcome.OWNED
        held = ex.call(lambda: ex.client.stat(claim.bucket, claim.key), attempts)
        if held is not None and held.meta.get(OWNER) == token:
            return Outcome.OWNED  # our own PUT, whose answer was lost and whose retry found it
        if held is not None and held.age > _ttl(held.meta):
            # Its owner can no longer be running: take it over.
            ex.call(lambda: ex.client.put_marker(claim.bucket, claim.key, meta, exclusive=False), attempts)
            return Outcome.OWNED
        if not patient or ex.deadline.remaining() - pause < give_up:
            return Outcome.BUSY
        sleep(pause)
        pause = min(pause * 2, 1.0)


def _lifetime(ex: Execution) -> int:
    """The TTL a claim taken now gets: the whole seconds until FC ends the invocation, and one more,
    as OSS dates the claim (``Last-Modified``) and its own answers (``Date``) to the second."""
    return max(1, math.ceil(ex.deadline.lifetime())) + 1


def _ttl(meta: dict[str, str]) -> float:
    """The seconds a claim lives; one without a TTL ossimg could have written has none left."""
    try:
        seconds = float(meta.get(TTL, "") or 0)
    except ValueError:
        return 0.0
    return seconds if math.isfinite(seconds) else 0.0


def release(ex: Execution, claim: Claim) -> str:
    """Delete our claim; returns the error code if that failed (the claim then expires on its own)."""
    try:
        ex.call(lambda: ex.client.delete_object(claim.bucket, claim.key), [0])
    except OssCallError as exc:
        return exc.code
    return ""
