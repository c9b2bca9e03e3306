"""OSS trigger filtering, shared by the template reader (fc) and the emulator's notifications, which
never import each other."""

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
