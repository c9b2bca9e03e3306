"""OSS trigger filtering, shared by the template reader and the local FC API (fc), the emulator's
notifications and deploy's plan, which never import one another's filter rules."""

from __future__ import annotations


def trigger_matches(
    bucket: str, events: tuple[str, ...], prefix: str, suffix: str, event_bucket: str, event_name: str, key: str
) -> bool:
    """OSS trigger filtering: the bucket, an event name (``oss:`` prefixed, ``*`` allowed) and the key's
    prefix and suffix."""
    if event_bucket != bucket or not key.startswith(prefix) or not key.endswith(suffix):
        return False
    names = {e.removeprefix("oss:") for e in events}
    return event_name in names or f"{event_name.partition(':')[0]}:*" in names


def filters_overlap(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Could one key match both ``(prefix, suffix)`` filters? OSS refuses two such triggers on a
    bucket for the same event type."""
    (pa, sa), (pb, sb) = a, b
    return (pa.startswith(pb) or pb.startswith(pa)) and (sa.endswith(sb) or sb.endswith(sa))
