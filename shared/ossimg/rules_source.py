"""Where rules live: a file bundled with the function, or an OSS object that can change without a
redeploy. An OSS object is fetched at cold start and its ETag checked at most every ``ttl`` seconds;
a new version that does not validate is refused, the last good one stays, and the log says why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OssCallError, RuleFileError
from .rules.compiled import RuleIndex, read_rule_file
from .rules.stored import compiled_path, open_compiled

if TYPE_CHECKING:
    from .logs import JsonLog
    from .oss import OssClient

SCHEME = "oss://"


class _Loaded:
    __slots__ = ("checked", "etag", "rules")

    def __init__(self, rules: RuleIndex, etag: str, checked: float) -> None:
        self.rules, self.etag, self.checked = rules, etag, checked


class RulesSource:
    """The current rules from ``location``: a path (relative to ``base``) or ``oss://bucket/key``."""

    def __init__(
        self,
        location: str,
        base: Path,
        client: Callable[[], OssClient],
        *,
        ttl: float = 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.location = location
        self._base = base
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._loaded: _Loaded | None = None

    @property
    def remote(self) -> tuple[str, str] | None:
        """``(bucket, key)`` when the rules live in OSS."""
        if not self.location.startswith(SCHEME):
            return None
        bucket, _, key = self.location[len(SCHEME) :].partition("/")
        return bucket, key

    def get(self, log: JsonLog) -> RuleIndex:
        """The rules to use now. Raises RuleFileError or OssCallError when none has ever loaded."""
        loaded = self._loaded
        if loaded is None:
            self._loaded = loaded = self._first_load()
            log.info("rules loaded", source=self.location, rules_version=loaded.rules.version)
        elif self.remote is not None and self._clock() - loaded.checked >= self._ttl:
            self._refresh(loaded, log)
        return loaded.rules

    def _first_load(self) -> _Loaded:
        remote = self.remote
        if remote is None:
            return _Loaded(load_file(self._base / self.location), "", self._clock())
        body, etag = self._client().get_object(*remote)
        return _Loaded(_parse(body, self.location), etag, self._clock())

    def _refresh(self, loaded: _Loaded, log: JsonLog) -> None:
        assert self.remote is not None
        loaded.checked = self._clock()
        try:
            if self._client().head_object(*self.remote) == loaded.etag:
                return
            body, etag = self._client().get_object(*self.remote)
        except OssCallError as exc:
            log.warning(
                "rules check failed; keeping the loaded version",
                source=self.location,
                error_code=exc.code,
                error_message=exc.message,
                rules_version=loaded.rules.version,
            )
            return
        try:
            rules = _parse(body, self.location)
        except Exception as exc:  # any failure of a new version is a refusal: the instance keeps working
            message = exc.message if isinstance(exc, RuleFileError) else f"{type(exc).__name__}: {exc}"
            log.error(
                "rules update refused; keeping the last good version",
                source=self.location,
                etag=etag,
                error_message=message[:2000],
                rules_version=loaded.rules.version,
            )
            loaded.etag = etag  # do not fetch the same bad version again until it changes
            return
        loaded.rules, loaded.etag = rules, etag
        log.info("rules updated", source=self.location, etag=etag, rules_version=rules.version)


def load_file(path: Path) -> RuleIndex:
    """Rules from a file; from its compiled form when that was made from these very bytes.

    Why: validating YAML needs pydantic and a YAML parser, tens of milliseconds at every cold start;
    the compiled form needs neither, is read a prefix at a time, and its digest proves it matches
    the file shipped beside it.
    """
    text = read_rule_file(path)
    stored = open_compiled(compiled_path(path), text, str(path))
    return stored if stored is not None else _parse(text, str(path))


def _parse(text: bytes, source: str) -> RuleIndex:
    from .rules.load import parse_rules

    return parse_rules(text, source=source)
