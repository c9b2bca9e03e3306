"""What a function needs from its deployment, derived from its rules: the OSS triggers that deliver
every upload a rule can match, and the least-privilege role statements for what the code then does.

The code's operations and the RAM actions OSS checks for them (README "RAM in the local cloud",
``emulator/permissions.py``):

- pre-flight read of each upload's first bytes: ``oss:GetObject`` on the rule's prefix;
- IMG with ``sys/saveas``: ``oss:PostProcessTask`` on the source, ``oss:PutObject`` on the variant;
- an image watermark, read by IMG as the caller: ``oss:GetObject`` on that object;
- lineage, a HEAD of each variant and a copy onto itself: ``oss:GetObject`` and ``oss:PutObject`` on it;
- claims (``ossimg/claims.py``): ``oss:PutObject``, ``oss:GetObject``, ``oss:DeleteObject`` on
  ``.ossimg/claims/*`` of each rule's bucket (an upload's claim lives beside it);
- ``on_delete: remove`` (``ossimg/lifecycle.py``): ``oss:DeleteObject`` on each removing rule's
  variants' key start, and its trigger also subscribes to the ObjectRemoved events;
- rules kept in OSS (``OSSIMG_RULES=oss://bucket/key``): ``oss:GetObject`` on that object;
- FC's on-failure (and on-success) destination: ``mns:SendMessage`` on the queue;
- the service's logs: ``log:PostLogStoreLogs`` on its logstore (funcraft ``deploy-by-tpl.js``).

Native OSS triggers take one prefix and one suffix each, at most 10 per bucket, with filters that do
not overlap (platform-facts, "Triggers"): one trigger per source bucket and prefix, a prefix that
another rule's shorter prefix covers needs none of its own, and suffixes stay with the rules (a
rule's suffix list is checked by the function), so each trigger's suffix is empty.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace

from ossimg.claims import PREFIX as CLAIMS
from ossimg.img.chain import parse
from ossimg.img.ops import Watermark
from ossimg.lifecycle import REMOVAL_TRIGGER_EVENTS, removal_targets, removes
from ossimg.rules.compiled import CompiledRules
from ossimg.rules.keys import literal_prefix

from ..fc.template import FunctionSpec

# What a trigger subscribes to: one event per finished upload. Not oss:ObjectCreated:*, which fires
# for every part of a multipart upload (platform-facts §0.2).
UPLOAD_EVENTS = (
    "oss:ObjectCreated:PutObject",
    "oss:ObjectCreated:PostObject",
    "oss:ObjectCreated:CompleteMultipartUpload",
)
TRIGGERS_PER_BUCKET = 10  # FC's limit for native OSS triggers on one bucket
RULES_SCHEME = "oss://"


class NeedsError(ValueError):
    """Raised when rules cannot be deployed with native OSS triggers or a least-privilege role."""


@dataclass(frozen=True)
class Statement:
    """One thing the function does: an Allow of ``actions`` on ``resources``, with why."""

    purpose: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def pairs(self) -> set[tuple[str, str]]:
        """Every (action, resource) it allows."""
        return {(a, r) for a in self.actions for r in self.resources}


@dataclass(frozen=True)
class TriggerNeed:
    """An OSS trigger the rules need: uploads to ``bucket`` under ``prefix``, for ``rules``."""

    bucket: str
    prefix: str
    rules: tuple[str, ...]
    suffix: str = ""
    events: tuple[str, ...] = UPLOAD_EVENTS
    name: str = ""  # unique among the function's triggers; trigger_needs names them

    def readable_name(self) -> str:
        """A trigger name FC accepts (letters, digits, ``-``, ``_``; not starting with a digit or ``-``),
        from the prefix: two places may give the same one (``a/b/`` and ``a-b/``, one prefix in two
        buckets, prefixes of other scripts), which trigger_needs tells apart."""
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", self.prefix).strip("-") or self.bucket
        return (base if re.match(r"[A-Za-z_]", base) else f"t-{base}")[:119]

    def where(self) -> str:
        """``oss://bucket/prefix*``."""
        return f"oss://{self.bucket}/{self.prefix}*{self.suffix}"


def oss(bucket: str, key: str) -> str:
    """A RAM resource for objects, as templates write them: ``acs:oss:*:*:bucket/key``."""
    return f"acs:oss:*:*:{bucket}/{key}"


def role_needs(rules: CompiledRules, spec: FunctionSpec) -> list[Statement]:
    """The statements the function's service role needs for ``rules``, in the template's order."""
    sources: list[str] = []
    marks: list[str] = []
    targets: list[str] = []
    claims: list[str] = []
    for rule in rules.rules:
        if not rule.bucket:
            raise NeedsError(
                f"rule {rule.label} names no bucket: a least-privilege role and its trigger need the "
                "bucket whose uploads it processes (add `bucket:` to the rule)"
            )
        sources.append(oss(rule.bucket, rule.prefix + "*"))
        claims.append(oss(rule.bucket, CLAIMS + "*"))
        for variant in rule.variants:
            bucket = variant.bucket or rule.bucket
            targets.append(oss(bucket, literal_prefix(variant.key_template) + "*"))
            marks += [
                oss(rule.bucket, op.image_key)
                for op in parse(variant.chain)
                if isinstance(op, Watermark) and op.image_key
            ]
    needs = [
        Statement(
            "Pre-flight: the first bytes of each upload (pixel limits; the ETag when an event has none).",
            ("oss:GetObject",),
            _unique(sources),
        ),
        Statement(
            "IMG with sys/saveas: OSS checks PostProcessTask on the source (the saveas usage notes).",
            ("oss:PostProcessTask",),
            _unique(sources),
        ),
        Statement(
            "The image watermarks the rules stamp, which IMG reads as the caller.", ("oss:GetObject",), _unique(marks)
        ),
        Statement(
            "sys/saveas writes each variant, and lineage copies it onto itself (PutObject on the target).",
            ("oss:PutObject",),
            _unique(targets),
        ),
        Statement(
            "Lineage reads each variant back: a HEAD (is it current?) and the copy's read of its source.",
            ("oss:GetObject",),
            _unique(targets),
        ),
        Statement(
            "Claims (ossimg/claims.py): create (x-oss-forbid-overwrite), read a held one's age, delete.",
            ("oss:PutObject", "oss:GetObject", "oss:DeleteObject"),
            _unique(claims),
        ),
        Statement(
            "on_delete: remove deletes the variants of a deleted source (ossimg/lifecycle.py).",
            ("oss:DeleteObject",),
            _unique([oss(bucket or "", start + "*") for bucket, start in removal_targets(rules.rules)]),
        ),
    ]
    location = spec.environment.get("OSSIMG_RULES", "")
    if location.startswith(RULES_SCHEME):
        bucket, _, key = location.removeprefix(RULES_SCHEME).partition("/")
        needs.append(
            Statement(
                "The rules object, fetched at cold start and checked by ETag.", ("oss:GetObject",), (oss(bucket, key),)
            )
        )
    queues = [_queue(arn) for arn in (spec.on_failure, spec.on_success) if arn]
    if queues:
        needs.append(
            Statement(
                "FC's async destinations: events that still fail after FC's retries are kept.",
                ("mns:SendMessage",),
                _unique(queues),
            )
        )
    if spec.log is not None:
        needs.append(
            Statement(
                "FC writes the function's logs to the service's logstore with this role's key.",
                ("log:PostLogStoreLogs",),
                (f"acs:log:*:*:project/{spec.log.project}/logstore/{spec.log.logstore}",),
            )
        )
    return [need for need in needs if need.resources]


def _queue(arn: str) -> str:
    """``acs:mns:<region>:<uid>:/queues/q/messages`` (or ``acs:mns:::…``) as a role resource."""
    parts = arn.split(":", 4)
    if len(parts) != 5 or parts[:2] != ["acs", "mns"]:
        raise NeedsError(
            f"destination {arn!r}: expected an MNS queue ARN, acs:mns:<region>:<account>:/queues/<q>/messages"
        )
    return f"acs:mns:*:*:{parts[4]}"


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def trigger_needs(rules: CompiledRules) -> list[TriggerNeed]:
    """The OSS triggers that deliver every upload a rule can match, fewest first by bucket and prefix.
    Raises NeedsError past FC's 10 triggers per bucket."""
    by_bucket: dict[str, dict[str, list[str]]] = {}
    removing = {rule.label for rule in rules.rules if removes(rule)}
    for rule in rules.rules:
        if not rule.bucket:
            raise NeedsError(
                f"rule {rule.label} names no bucket: its OSS trigger needs the bucket it watches "
                "(add `bucket:` to the rule)"
            )
        by_bucket.setdefault(rule.bucket, {}).setdefault(rule.prefix, []).append(rule.label)
    needs = []
    for bucket, prefixes in sorted(by_bucket.items()):
        kept: dict[str, list[str]] = {}
        for prefix in sorted(prefixes, key=len):  # a shorter prefix's trigger also delivers the longer ones
            cover = next((p for p in kept if prefix.startswith(p)), None)
            kept.setdefault(cover if cover is not None else prefix, []).extend(prefixes[prefix])
        if len(kept) > TRIGGERS_PER_BUCKET:
            raise NeedsError(
                f"bucket {bucket}: the rules need {len(kept)} OSS triggers (one per prefix: "
                f"{', '.join(sorted(kept))}); FC allows {TRIGGERS_PER_BUCKET} per bucket. Group "
                "the prefixes under fewer folders."
            )
        needs += [
            TriggerNeed(bucket, prefix, tuple(labels), events=_events(labels, removing))
            for prefix, labels in sorted(kept.items())
        ]
    return _named(needs)


def granted(policies: tuple[object, ...]) -> set[tuple[str, str]]:
    """Every (action, resource) the Allow statements of ``policies`` name."""
    pairs = set()
    for policy in policies:
        if not isinstance(policy, dict):
            continue
        for statement in policy.get("Statement") or ():
            if statement.get("Effect") != "Allow":
                continue
            actions = statement.get("Action") or ()
            resources = statement.get("Resource") or ()
            actions = [actions] if isinstance(actions, str) else actions
            resources = [resources] if isinstance(resources, str) else resources
            pairs |= {(str(a), str(r)) for a in actions for r in resources}
    return pairs


def _events(labels: list[str], removing: set[str]) -> tuple[str, ...]:
    """Uploads, and deletions too when one of the trigger's rules removes its variants with the source."""
    return UPLOAD_EVENTS + REMOVAL_TRIGGER_EVENTS if removing.intersection(labels) else UPLOAD_EVENTS


def _named(needs: list[TriggerNeed]) -> list[TriggerNeed]:
    """Each trigger with a name of its own: the readable one, or when two places share it, that and a
    digest of the place (FC keys a function's triggers by name)."""
    counts = Counter(need.readable_name() for need in needs)
    named = []
    for need in needs:
        base = need.readable_name()
        digest = hashlib.sha256(f"{need.bucket}/{need.prefix}".encode()).hexdigest()[:8]
        named.append(replace(need, name=base if counts[base] == 1 else f"{base}-{digest}"))
    return named
