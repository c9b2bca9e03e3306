"""``ossimg up`` follows the rule file: a new version that validates is used by the functions' next
instances; one that does not is refused with its errors, and the last good version stays.

Each good version is copied to a snapshot (``<data>/rules/<digest>.yaml``) that the instances load,
so an edit in progress never reaches a function, whatever moment an instance starts at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from ossimg.errors import RuleFileError
from ossimg.rules.compiled import CompiledRules
from ossimg.rules.load import parse_rules

Accept = Callable[[Path, CompiledRules], None]


class RulesWatcher:
    """Call ``check()`` now and then: it reloads ``source`` when its bytes change."""

    def __init__(self, source: Path, snapshots: Path, accept: Accept, say: Callable[[str], None]) -> None:
        self.source = source
        self._snapshots = snapshots
        self._accept = accept
        self._say = say
        self._seen = b""
        self._stat: tuple[int, int] | None = None
        self.current = Path()

    def first(self) -> tuple[Path, CompiledRules]:
        """The snapshot of the file as it is now. Raises RuleFileError."""
        data = self.source.read_bytes()
        rules = parse_rules(data, source=str(self.source))
        self._stat, self._seen = self._stat_now(), hashlib.sha256(data).digest()
        self.current = self._snapshot(data)
        return self.current, rules

    def check(self) -> bool:
        """Reload when the file changed; True when a new version was accepted."""
        stat = self._stat_now()
        if stat is None or stat == self._stat:
            return False
        self._stat = stat
        try:
            data = self.source.read_bytes()
        except OSError:
            return False  # being replaced: the next check sees the new file
        digest = hashlib.sha256(data).digest()
        if digest == self._seen:
            return False
        self._seen = digest
        try:
            rules = parse_rules(data, source=str(self.source))
        except RuleFileError as exc:
            self._say(
                f"rules: {self.source} changed but is refused; the functions keep the last good version. {exc.message}"
            )
            return False
        self.current = self._snapshot(data)
        self._accept(self.current, rules)
        self._say(f"rules: {self.source} reloaded (version {rules.version}): the functions' next instances use it")
        return True

    def _stat_now(self) -> tuple[int, int] | None:
        try:
            stat = self.source.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _snapshot(self, data: bytes) -> Path:
        self._snapshots.mkdir(parents=True, exist_ok=True)
        path = self._snapshots / f"{hashlib.sha256(data).hexdigest()[:16]}.yaml"
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.write_bytes(data)
            partial.replace(path)
        return path
